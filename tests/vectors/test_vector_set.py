"""EmotionVector arithmetic and the EmotionVectorSet container."""

from __future__ import annotations

import pydantic
import pytest
import torch
from _tiny import HIDDEN, LLAMA_LAYERS, random_vectors

from emotive_agents.errors import UnknownEmotionError, VectorSetError
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import (
    BASE,
    BASIC_EMOTIONS,
    EmotionVector,
    EmotionVectorSet,
    VectorSetMetadata,
    tensors_digest,
)

SHAPE = (LLAMA_LAYERS, HIDDEN)


@pytest.fixture
def raw() -> dict[str, torch.Tensor]:
    return random_vectors(LLAMA_LAYERS, emotions=("joy", "anger", "sadness", "calm"), seed=5)


def test_from_vectors_adds_base_as_mean_of_basic_emotions(raw, tiny_llama) -> None:
    vector_set = EmotionVectorSet.from_vectors(raw, tiny_llama.fingerprint)
    assert vector_set.emotions == ("joy", "anger", "sadness", "calm", BASE)
    assert "calm" not in BASIC_EMOTIONS
    expected = (raw["joy"] + raw["anger"] + raw["sadness"]) / 3  # "calm" is not a basic emotion
    torch.testing.assert_close(vector_set[BASE].tensor, expected)
    torch.testing.assert_close(vector_set.base.tensor, expected)
    assert vector_set.vectors.shape == (5, *SHAPE)
    assert vector_set.vectors.dtype == torch.float32
    assert vector_set.metadata.model == tiny_llama.fingerprint
    assert vector_set.metadata.tensors_sha256 == tensors_digest(vector_set.vectors)


def test_from_vectors_base_without_basic_emotions_is_mean_of_all(tiny_llama) -> None:
    raw = random_vectors(LLAMA_LAYERS, emotions=("calm", "pride"), seed=6)
    vector_set = EmotionVectorSet.from_vectors(raw, tiny_llama.fingerprint)
    torch.testing.assert_close(vector_set[BASE].tensor, (raw["calm"] + raw["pride"]) / 2)


def test_from_vectors_keeps_a_given_base_and_can_skip_it(raw, tiny_llama) -> None:
    given = torch.ones(SHAPE)
    with_base = EmotionVectorSet.from_vectors({**raw, BASE: given}, tiny_llama.fingerprint)
    assert torch.equal(with_base[BASE].tensor, given)
    without = EmotionVectorSet.from_vectors(raw, tiny_llama.fingerprint, add_base=False)
    assert BASE not in without
    assert len(without) == 4
    # The base property still works: the mean of the basic emotions present.
    torch.testing.assert_close(without.base.tensor, (raw["joy"] + raw["anger"] + raw["sadness"]) / 3)


def test_from_vectors_records_norms_and_extra_metadata(raw, tiny_llama) -> None:
    recipe = SteeringRecipe(hook_point=HookPoint.ATTN_OUTPUT, positions=PositionRule.LAST, layers=(2, 0))
    vector_set = EmotionVectorSet.from_vectors(
        raw, tiny_llama.fingerprint, recipe=recipe, intensity_scale={"joy": 3.0}, dataset_hash="abc"
    )
    meta = vector_set.metadata
    assert meta.recipe.layers == (0, 2)
    assert vector_set.recipe is meta.recipe
    assert meta.dataset_hash == "abc"
    assert meta.scale("joy") == 3.0
    assert meta.scale("anger") == 1.0
    assert meta.norms["joy"] == pytest.approx(raw["joy"].norm(dim=-1).tolist(), abs=1e-5)
    assert len(meta.norms[BASE]) == LLAMA_LAYERS


def test_from_vectors_accepts_emotion_vectors(raw, tiny_llama) -> None:
    vector_set = EmotionVectorSet.from_vectors(
        {"joy": EmotionVector("joy", raw["joy"])}, tiny_llama.fingerprint
    )
    assert torch.equal(vector_set["joy"].tensor, raw["joy"])


def test_from_vectors_wrong_shape_is_refused(tiny_llama) -> None:
    with pytest.raises(VectorSetError, match="shape"):
        EmotionVectorSet.from_vectors({"joy": torch.randn(LLAMA_LAYERS, HIDDEN + 1)}, tiny_llama.fingerprint)
    with pytest.raises(VectorSetError, match="shape"):
        EmotionVectorSet.from_vectors({"joy": torch.randn(LLAMA_LAYERS + 1, HIDDEN)}, tiny_llama.fingerprint)


def test_from_vectors_mixed_shapes_is_a_vector_set_error(tiny_llama) -> None:
    vectors = {"joy": torch.randn(SHAPE), "anger": torch.randn(LLAMA_LAYERS, HIDDEN // 2)}
    with pytest.raises(VectorSetError):
        EmotionVectorSet.from_vectors(vectors, tiny_llama.fingerprint)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_vectors_are_refused(raw, tiny_llama, bad) -> None:
    raw["anger"][1, 3] = bad
    with pytest.raises(VectorSetError, match=r"NaN or inf.*anger"):
        EmotionVectorSet.from_vectors(raw, tiny_llama.fingerprint, add_base=False)


def test_constructor_checks_shape_against_metadata(llama_vectors) -> None:
    with pytest.raises(VectorSetError, match="metadata describes"):
        EmotionVectorSet(llama_vectors.vectors[:2], llama_vectors.metadata)


@pytest.mark.parametrize("emotions", [("Joy",), ("joy", "joy"), ("1joy",), ("joy-x",), ("",), ("a" * 33,)])
def test_metadata_rejects_bad_emotion_names(tiny_llama, emotions) -> None:
    with pytest.raises(pydantic.ValidationError):
        VectorSetMetadata(emotions=emotions, model=tiny_llama.fingerprint)


def test_lookup_and_unknown_emotion(llama_vectors) -> None:
    assert llama_vectors.index("anger") == 1
    assert "joy" in llama_vectors
    assert "fear" not in llama_vectors
    assert [v.name for v in llama_vectors] == list(llama_vectors.emotions)
    assert torch.equal(llama_vectors["anger"].tensor, llama_vectors.vectors[1])
    with pytest.raises(UnknownEmotionError, match=r"unknown emotion 'fear'.*joy"):
        llama_vectors["fear"]
    with pytest.raises(KeyError):  # UnknownEmotionError is also a KeyError
        llama_vectors.index("fear")


def test_emotion_vector_arithmetic() -> None:
    a = EmotionVector("joy", torch.randn(SHAPE))
    b = EmotionVector("anger", torch.randn(SHAPE))
    assert torch.equal((a + b).tensor, a.tensor + b.tensor)
    assert torch.equal((a - b).tensor, a.tensor - b.tensor)
    assert torch.equal((a * 2.5).tensor, a.tensor * 2.5)
    assert torch.equal((0.5 * a).tensor, a.tensor * 0.5)
    assert torch.equal((-a).tensor, -a.tensor)
    assert (a + b).name == "(joy+anger)"
    assert (a - b).name == "(joy-anger)"
    assert (2 * a).name == "2*joy"
    assert (-a).name == "-joy"
    combo = 0.7 * a - 0.2 * b
    torch.testing.assert_close(combo.tensor, 0.7 * a.tensor - 0.2 * b.tensor)
    assert a.norms() == pytest.approx(a.tensor.norm(dim=-1).tolist(), abs=1e-5)
    assert "layers=3" in repr(a)


def test_emotion_vector_shape_errors() -> None:
    a = EmotionVector("joy", torch.randn(SHAPE))
    with pytest.raises(VectorSetError, match="cannot combine"):
        a + EmotionVector("anger", torch.randn(LLAMA_LAYERS, HIDDEN + 1))
    with pytest.raises(VectorSetError, match="cannot combine"):
        a - EmotionVector("anger", torch.randn(1, HIDDEN))
    with pytest.raises(VectorSetError, match=r"\[layers, hidden\]"):
        EmotionVector("joy", torch.randn(HIDDEN))


def test_with_vector_adds_or_replaces(llama_vectors) -> None:
    mixed = llama_vectors["joy"] * 0.5 + llama_vectors["sadness"] * 0.5
    extended = llama_vectors.with_vector(mixed, name="bittersweet")
    assert extended.emotions == (*llama_vectors.emotions, "bittersweet")
    torch.testing.assert_close(extended["bittersweet"].tensor, mixed.tensor)
    assert torch.equal(extended["joy"].tensor, llama_vectors["joy"].tensor)
    assert extended.metadata.norms["bittersweet"] == mixed.norms()
    assert extended.metadata.tensors_sha256 == tensors_digest(extended.vectors)
    replaced = llama_vectors.with_vector(EmotionVector("joy", torch.zeros(SHAPE)))
    assert replaced.emotions == llama_vectors.emotions
    assert not replaced["joy"].tensor.any()
    assert len(llama_vectors) == 4  # the original is untouched
    with pytest.raises(ValueError, match="emotion name"):
        llama_vectors.with_vector(mixed)  # "(0.5*joy+0.5*sadness)" is not a valid name


def test_scaled_keeps_metadata(tiny_llama, raw) -> None:
    recipe = SteeringRecipe(positions=PositionRule.LAST)
    vector_set = EmotionVectorSet.from_vectors(raw, tiny_llama.fingerprint, recipe=recipe, dataset_hash="d")
    scaled = vector_set.scaled({"joy": 2.0, "anger": -1.0})
    torch.testing.assert_close(scaled["joy"].tensor, 2 * vector_set["joy"].tensor)
    torch.testing.assert_close(scaled["anger"].tensor, -vector_set["anger"].tensor)
    assert torch.equal(scaled["sadness"].tensor, vector_set["sadness"].tensor)
    assert torch.equal(scaled[BASE].tensor, vector_set[BASE].tensor)  # base is not recomputed
    assert scaled.recipe == recipe
    assert scaled.metadata.dataset_hash == "d"
    assert scaled.metadata.created_at == vector_set.metadata.created_at
    assert scaled.metadata.tensors_sha256 != vector_set.metadata.tensors_sha256


def test_emotion_specific_removes_base_direction(tiny_llama) -> None:
    raw = random_vectors(LLAMA_LAYERS, emotions=("joy", "anger", "fear"), seed=7)
    # A shared component, like the real "emotional register" direction (raw cosines with base ~0.9).
    common = torch.randn(SHAPE, generator=torch.Generator().manual_seed(8)) * 0.03
    vector_set = EmotionVectorSet.from_vectors(
        {k: v + common for k, v in raw.items()}, tiny_llama.fingerprint
    )
    specific = vector_set.emotion_specific()
    base = vector_set[BASE].tensor
    assert torch.equal(specific[BASE].tensor, base)
    for name in ("joy", "anger", "fear"):
        before, after = vector_set[name].tensor, specific[name].tensor
        assert torch.nn.functional.cosine_similarity(before, base, dim=-1).min() > 0.5
        cosine = torch.nn.functional.cosine_similarity(after, base, dim=-1)
        assert cosine.abs().max() < 1e-4
        torch.testing.assert_close(after.norm(dim=-1), before.norm(dim=-1))
        assert not torch.allclose(after, before)
