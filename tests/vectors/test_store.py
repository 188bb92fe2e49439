"""Saving and loading vector sets, and every refusal a wrong or damaged file should trigger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from _tiny import HIDDEN, LLAMA_LAYERS, random_vectors
from safetensors.torch import load_file, save_file

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.store import (
    METADATA_FILE,
    TENSORS_FILE,
    check_compatible,
    load_vector_set,
    resolve_vector_path,
    save_vector_set,
)
from emotive_agents.vectors.vector_set import FORMAT_VERSION, EmotionVectorSet


@pytest.fixture
def vector_set(tiny_llama) -> EmotionVectorSet:
    return EmotionVectorSet.from_vectors(
        random_vectors(LLAMA_LAYERS, seed=11),
        tiny_llama.fingerprint,
        recipe=SteeringRecipe(hook_point=HookPoint.RESIDUAL, positions=PositionRule.GENERATED, layers=(1, 2)),
        intensity_scale={"joy": 4.0, "anger": 2.5},
        intensity_range=(-2.0, 1.5),
        created={"prompts": 12, "note": "test"},
    )


@pytest.fixture
def saved(tmp_path, vector_set) -> Path:
    return save_vector_set(vector_set, tmp_path / "sets" / "tiny")


def _rewrite_metadata(directory: Path, **changes) -> None:
    path = directory / METADATA_FILE
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw))


def _rewrite_tensors(directory: Path, edit) -> None:
    tensors = load_file(str(directory / TENSORS_FILE))
    edit(tensors)
    save_file(tensors, str(directory / TENSORS_FILE))


def test_round_trip(saved, vector_set, tiny_llama) -> None:
    assert sorted(p.name for p in saved.iterdir()) == [METADATA_FILE, TENSORS_FILE]
    assert [p.name for p in saved.parent.iterdir()] == ["tiny"]  # no staging leftovers
    loaded = load_vector_set(saved, model=tiny_llama.fingerprint)
    assert loaded.emotions == vector_set.emotions
    assert torch.equal(loaded.vectors, vector_set.vectors)
    assert loaded.metadata == vector_set.metadata
    assert loaded.recipe.layers == (1, 2)
    assert loaded.metadata.intensity_range == (-2.0, 1.5)
    assert loaded.metadata.format_version == FORMAT_VERSION


def test_save_overwrites_an_existing_set(saved, vector_set) -> None:
    smaller = vector_set.scaled({"joy": 0.5})
    save_vector_set(smaller, saved)
    loaded = load_vector_set(saved)
    assert torch.equal(loaded["joy"].tensor, smaller["joy"].tensor)
    assert [p.name for p in saved.parent.iterdir()] == ["tiny"]  # backup and staging removed


def test_load_without_model_skips_compatibility(saved, tiny_gpt2) -> None:
    assert len(load_vector_set(saved)) == 4
    with pytest.raises(VectorSetError, match="made for model 'tiny-llama'"):
        load_vector_set(saved, model=tiny_gpt2.fingerprint)


@pytest.mark.parametrize(
    ("field", "value"),
    [("hidden_size", HIDDEN * 2), ("num_layers", LLAMA_LAYERS + 1), ("model_type", "gpt2")],
)
def test_vectors_for_another_architecture_are_refused(saved, tiny_llama, field, value) -> None:
    other = tiny_llama.fingerprint.model_copy(update={field: value, "name": "other"})
    for strict in (True, False):
        with pytest.raises(VectorSetError, match=f"{field}: vectors") as info:
            load_vector_set(saved, model=other, strict=strict)
        assert "strict=False" not in str(info.value)  # no misleading hint: shapes differ


def test_other_weights_need_strict_false(saved, tiny_llama) -> None:
    finetune = tiny_llama.fingerprint.model_copy(update={"weights_hash": "0" * 32, "name": "finetune"})
    with pytest.raises(VectorSetError, match=r"weights_hash.*strict=False"):
        load_vector_set(saved, model=finetune)
    loaded = load_vector_set(saved, model=finetune, strict=False)
    assert len(loaded) == 4


def test_check_compatible_accepts_its_own_model(vector_set, tiny_llama) -> None:
    check_compatible(vector_set.metadata, tiny_llama.fingerprint)  # no error
    renamed = tiny_llama.fingerprint.model_copy(update={"name": "renamed"})
    check_compatible(vector_set.metadata, renamed)  # the name alone does not matter


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_values_in_the_file(saved, bad) -> None:
    def poison(tensors):
        tensors["anger"][0, 0] = bad

    _rewrite_tensors(saved, poison)
    with pytest.raises(VectorSetError, match=r"NaN or inf.*anger"):
        load_vector_set(saved)


def test_tampered_tensors_fail_the_checksum(saved) -> None:
    def nudge(tensors):
        tensors["joy"][2, 5] += 1e-3

    _rewrite_tensors(saved, nudge)
    with pytest.raises(VectorSetError, match="checksum"):
        load_vector_set(saved)


@pytest.mark.parametrize("field", ["tensors_sha256", "scales_sha256"])
def test_an_emptied_checksum_is_refused(saved, field) -> None:
    """Deleting the checksum must not be a way past it."""

    def nudge(tensors):
        tensors["joy"][2, 5] += 1e-3

    _rewrite_tensors(saved, nudge)
    _rewrite_metadata(saved, **{field: ""})
    with pytest.raises(VectorSetError, match=f"no {field} checksum|do not match the checksum"):
        load_vector_set(saved)


@pytest.mark.parametrize(
    "changes",
    [
        {"intensity_scale": {"joy": 40.0, "anger": 2.5}},
        {"intensity_scale": {"joy": 4.0}},
        {"intensity_range": [-2.0, 2.0]},
    ],
)
def test_edited_scales_or_range_fail_the_scales_checksum(saved, changes) -> None:
    _rewrite_metadata(saved, **changes)
    with pytest.raises(VectorSetError, match="intensity_scale / intensity_range do not match"):
        load_vector_set(saved)


@pytest.mark.parametrize(
    ("scale", "fragment"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (-1e308, "finite number in"),
        (1e6, "finite number in"),
        (0.0, "finite number in"),
        (-1.0, "finite number in"),
    ],
)
def test_out_of_range_scales_are_refused(saved, scale, fragment) -> None:
    path = saved / METADATA_FILE
    raw = json.loads(path.read_text())
    raw["intensity_scale"]["joy"] = scale
    path.write_text(json.dumps(raw))  # NaN / Infinity literals, as a hand edit would write them
    with pytest.raises(VectorSetError, match="intensity_scale"):
        load_vector_set(saved)


@pytest.mark.parametrize("bounds", [[1.0, -1.0], [0.0, 0.0], [-10.0, 1.0], [-1.0, float("nan")]])
def test_bad_intensity_ranges_are_refused(saved, bounds) -> None:
    _rewrite_metadata(saved, intensity_range=bounds)
    with pytest.raises(VectorSetError, match="intensity_range"):
        load_vector_set(saved)


def test_format_1_sets_still_load_with_their_tensor_checksum(saved) -> None:
    """Sets saved before the scales checksum existed load (their tensors are still checked)."""
    path = saved / METADATA_FILE
    raw = json.loads(path.read_text())
    raw.pop("scales_sha256")
    raw["format_version"] = 1
    path.write_text(json.dumps(raw))
    assert load_vector_set(saved).metadata.format_version == 1


def test_save_seals_scales_changed_after_extraction(tmp_path, vector_set) -> None:
    """Calibration edits the scales with model_copy; saving writes checksums that match them."""
    meta = vector_set.metadata.model_copy(update={"intensity_scale": {"joy": 1.5}})
    recalibrated = type(vector_set)(vector_set.vectors, meta)
    loaded = load_vector_set(save_vector_set(recalibrated, tmp_path / "recal"))
    assert loaded.metadata.intensity_scale == {"joy": 1.5}
    assert loaded.metadata.format_version == FORMAT_VERSION


def test_the_shipped_sets_load_at_the_current_format() -> None:
    from emotive_agents.vectors.store import SHIPPED_DIR

    folders = sorted(p for p in SHIPPED_DIR.iterdir() if (p / METADATA_FILE).is_file())
    assert folders
    for folder in folders:
        loaded = load_vector_set(folder)
        assert loaded.metadata.format_version == FORMAT_VERSION
        assert loaded.metadata.scales_sha256


def test_wrong_tensor_shape(saved) -> None:
    def widen(tensors):
        tensors["joy"] = torch.zeros(LLAMA_LAYERS, HIDDEN + 1)

    _rewrite_tensors(saved, widen)
    with pytest.raises(VectorSetError, match=r"'joy' has shape \(3, 33\), expected \(3, 32\)"):
        load_vector_set(saved)


@pytest.mark.parametrize("change", ["rename", "drop", "extra"])
def test_tensor_names_must_match_metadata(saved, change) -> None:
    def edit(tensors):
        if change == "rename":
            tensors["glee"] = tensors.pop("joy")
        elif change == "drop":
            del tensors["anger"]
        else:
            tensors["fear"] = torch.zeros(LLAMA_LAYERS, HIDDEN)

    _rewrite_tensors(saved, edit)
    with pytest.raises(VectorSetError, match="do not match the metadata's emotions"):
        load_vector_set(saved)


def test_metadata_shape_disagreeing_with_tensors(saved) -> None:
    raw = json.loads((saved / METADATA_FILE).read_text())
    raw["model"]["hidden_size"] = HIDDEN * 2
    (saved / METADATA_FILE).write_text(json.dumps(raw))
    with pytest.raises(VectorSetError, match="expected"):
        load_vector_set(saved)


def test_missing_metadata(saved) -> None:
    (saved / METADATA_FILE).unlink()
    with pytest.raises(VectorSetError, match=r"no metadata\.json"):
        load_vector_set(saved)


def test_missing_tensors(saved) -> None:
    (saved / TENSORS_FILE).unlink()
    with pytest.raises(VectorSetError, match=f"no {TENSORS_FILE}"):
        load_vector_set(saved)


def test_unreadable_tensors(saved) -> None:
    (saved / TENSORS_FILE).write_bytes(b"\x00\x01 definitely not safetensors")
    with pytest.raises(VectorSetError, match="unreadable"):
        load_vector_set(saved)


@pytest.mark.parametrize("content", ["{not json", "", "\ufeff{", '{"emotions": ["joy"'])
def test_corrupt_metadata_json(saved, content) -> None:
    (saved / METADATA_FILE).write_text(content)
    with pytest.raises(VectorSetError, match="not valid JSON"):
        load_vector_set(saved)


def test_metadata_with_invalid_bytes(saved) -> None:
    (saved / METADATA_FILE).write_bytes(b'{"emotions": "\xff\xfe"}')
    with pytest.raises(VectorSetError):
        load_vector_set(saved)


@pytest.mark.parametrize(
    "edit",
    [
        {"emotions": ["Joy", "anger", "sadness", "base"]},
        {"emotions": "joy"},
        {"model": {"name": "x"}},
        {"recipe": {"hook_point": "nowhere"}},
        {"intensity_scale": {"joy": "strong"}},
    ],
)
def test_invalid_metadata_fields(saved, edit) -> None:
    _rewrite_metadata(saved, **edit)
    with pytest.raises(VectorSetError, match="invalid metadata"):
        load_vector_set(saved)


def test_metadata_that_is_not_an_object(saved) -> None:
    (saved / METADATA_FILE).write_text("[1, 2, 3]")
    with pytest.raises(VectorSetError, match="invalid metadata"):
        load_vector_set(saved)


def test_newer_format_version_is_refused(saved) -> None:
    _rewrite_metadata(saved, format_version=FORMAT_VERSION + 1)
    with pytest.raises(VectorSetError, match="Upgrade emotive-agents"):
        load_vector_set(saved)


@pytest.mark.parametrize("version", ["2", None])
def test_non_integer_format_version_is_a_vector_set_error(saved, version) -> None:
    _rewrite_metadata(saved, format_version=version)
    with pytest.raises(VectorSetError):
        load_vector_set(saved)


def test_missing_directory(tmp_path) -> None:
    with pytest.raises(VectorSetError, match="No vector set at"):
        load_vector_set(tmp_path / "nowhere")
    with pytest.raises(VectorSetError, match="not a directory"):
        resolve_vector_path("no-such-shipped-set-name")


def test_resolve_vector_path_accepts_a_directory(saved) -> None:
    assert resolve_vector_path(saved) == saved
    assert resolve_vector_path(str(saved)) == saved


def test_shipped_sets_load_by_name() -> None:
    """The default set and the previous (paper-recipe) set both load by name, styles included."""
    from emotive_agents.vectors.store import SHIPPED_DEFAULTS

    default = load_vector_set(SHIPPED_DEFAULTS["smollm2-135m"])
    paper = load_vector_set("smollm2-135m-paper")
    for vector_set in (default, paper):
        assert {"anger", "disgust", "fear", "joy", "sadness", "calm", "encouraging", "patient"} <= set(
            vector_set.emotions
        )
        assert vector_set.metadata.model.name == "smollm2-135m"
    assert paper.metadata.pooling == "response_mean" and paper.recipe.layers is None
    trained = load_vector_set("smollm2-135m-trained")
    assert trained.metadata.created["method"] == "trained"
    assert trained.recipe.layers == tuple(range(8, 20))
    assert trained.vectors[:, :8].abs().max() == 0  # nothing outside the trained band
    trained2 = load_vector_set("smollm2-135m-trained2")  # issue 14, third pass: emotions and styles
    assert trained2.metadata.created["method"] == "trained" and trained2.metadata.created["kl_skip"] == 16
    assert {"anger", "disgust", "fear", "joy", "sadness", "calm", "encouraging", "patient"} <= set(
        trained2.emotions
    )
    assert trained2.vectors[:, :8].abs().max() == 0 and trained2.vectors[:, 20:].abs().max() == 0
    trained3 = load_vector_set("smollm2-135m-trained3")  # issue 14, fourth pass: a per-emotion hybrid
    assert trained3.metadata.created["method"] == "trained" and trained3.recipe.layers is None
    sources = trained3.metadata.created["sources"]
    trained_names = {e for e, s in sources.items() if s["method"] == "trained"}
    assert trained_names == {"anger", "disgust", "fear", "sadness"}
    for emotion in ("joy", "calm", "encouraging", "patient"):  # carried over from the paper set unchanged
        assert torch.equal(trained3[emotion].tensor, paper[emotion].tensor)
        assert trained3.metadata.scale(emotion) == paper.metadata.scale(emotion)
    assert trained3.vectors[trained3.index("anger"), :8].abs().max() == 0  # trained band 8-19 only
    trained4 = load_vector_set("smollm2-135m-trained4")  # issue 14, fifth pass: trained3 plus trained styles
    sources4 = trained4.metadata.created["sources"]
    assert trained4.metadata.created["method"] == "trained"
    assert {e for e, s in sources4.items() if s["method"] == "trained"} == {
        "anger",
        "disgust",
        "fear",
        "sadness",
        "calm",
        "encouraging",
        "patient",
    }
    for emotion in ("anger", "disgust", "fear", "joy", "sadness"):  # the emotions are trained3's unchanged
        assert torch.equal(trained4[emotion].tensor, trained3[emotion].tensor)
        assert trained4.metadata.scale(emotion) == trained3.metadata.scale(emotion)
    for style in ("calm", "encouraging", "patient"):
        assert trained4.vectors[trained4.index(style), :8].abs().max() == 0  # trained band 8-19 only
