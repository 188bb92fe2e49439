"""GGUF control-vector export: the file steers exactly like the engine, and bad recipes are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from _tiny import LLAMA_LAYERS, random_vectors

from emotive_agents.models.loading import LoadedModel
from emotive_agents.steering.hooks import steer
from emotive_agents.vectors.export import ExportError, export_gguf, mix_directions, read_gguf
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet


def _vectors(loaded: LoadedModel, recipe: SteeringRecipe, *, zero_first: bool = True) -> EmotionVectorSet:
    raw = random_vectors(LLAMA_LAYERS)
    if zero_first:
        raw = {name: torch.cat((torch.zeros_like(t[:1]), t[1:])) for name, t in raw.items()}
    return EmotionVectorSet.from_vectors(raw, loaded.fingerprint, recipe=recipe)


def test_exported_file_steers_like_the_engine(tiny_llama: LoadedModel, tmp_path: Path) -> None:
    vectors = _vectors(tiny_llama, SteeringRecipe())
    mix = {"joy": 0.7, "anger": -0.4}
    path = export_gguf(vectors, mix, tmp_path / "mix.gguf")
    directions = read_gguf(path)
    assert sorted(directions) == list(range(1, LLAMA_LAYERS))  # direction.0 never written

    ids = torch.tensor([[5, 9, 14, 3, 22, 7]])
    with steer(tiny_llama, vectors, mix):
        expected = tiny_llama.model(input_ids=ids).logits

    # llama.cpp semantics: add direction.k to the output of block k, every position.
    def add(k: int):
        vector = torch.from_numpy(directions[k])
        return lambda module, args, output: output + vector

    handles = [tiny_llama.layout.layer(tiny_llama.model, k).register_forward_hook(add(k)) for k in directions]
    try:
        got = tiny_llama.model(input_ids=ids).logits
    finally:
        for handle in handles:
            handle.remove()
    assert torch.allclose(got, expected, atol=1e-5)
    plain = tiny_llama.model(input_ids=ids).logits
    assert not torch.allclose(plain, expected, atol=1e-3)  # the mix really steers


def test_calibrated_scale_is_baked_in(tiny_llama: LoadedModel) -> None:
    vectors = _vectors(tiny_llama, SteeringRecipe())
    scaled = EmotionVectorSet(
        vectors.vectors, vectors.metadata.model_copy(update={"intensity_scale": {"joy": 2.0}})
    )
    plain = mix_directions(vectors, {"joy": 1.0})
    doubled = mix_directions(scaled, {"joy": 1.0})
    for layer, vector in plain.items():
        assert torch.allclose(doubled[layer], 2 * vector)


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        (SteeringRecipe(hook_point=HookPoint.ATTN_OUTPUT), "self-attention output"),
        (SteeringRecipe(positions=PositionRule.GENERATED), "positions 'generated'"),
        (SteeringRecipe(positions=PositionRule.LAST), "positions 'last'"),
    ],
)
def test_non_equivalent_recipes_are_refused(
    tiny_llama: LoadedModel, tmp_path: Path, recipe: SteeringRecipe, message: str
) -> None:
    with pytest.raises(ExportError, match=message):
        export_gguf(_vectors(tiny_llama, recipe), {"joy": 1.0}, tmp_path / "x.gguf")
    assert not (tmp_path / "x.gguf").exists()


def test_layer_zero_needs_consent(tiny_llama: LoadedModel, tmp_path: Path) -> None:
    vectors = _vectors(tiny_llama, SteeringRecipe(), zero_first=False)
    with pytest.raises(ExportError, match="layer 0"):
        export_gguf(vectors, {"joy": 1.0}, tmp_path / "x.gguf")
    path = export_gguf(vectors, {"joy": 1.0}, tmp_path / "x.gguf", drop_first_layer=True)
    directions = read_gguf(path)
    assert 0 not in directions
    assert np.allclose(directions[1], vectors["joy"].tensor[1].numpy(), atol=1e-6)


def test_empty_mix_and_unknown_emotion_are_refused(tiny_llama: LoadedModel, tmp_path: Path) -> None:
    vectors = _vectors(tiny_llama, SteeringRecipe())
    with pytest.raises(ExportError, match="nothing to export"):
        export_gguf(vectors, {}, tmp_path / "x.gguf")
    with pytest.raises(Exception, match="fear"):
        export_gguf(vectors, {"fear": 1.0}, tmp_path / "x.gguf")
