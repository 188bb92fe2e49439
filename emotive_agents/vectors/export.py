"""Export an emotion mix as a llama.cpp control vector (GGUF, arch `controlvector`).

llama.cpp adds tensor `direction.k` to the output of block k (0-based) at every position, prompt
included, and rejects k = 0 (block 0 is never steered). That equals our steering only when the vector
is added at the decoder-layer output (hook point `block_contribution` or `residual`) at all positions;
any other recipe is refused rather than exported into something that steers differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from emotive_agents.errors import VectorSetError
from emotive_agents.mix import EmotionMix
from emotive_agents.vectors.deltas import coefficient_matrix
from emotive_agents.vectors.recipe import HookPoint, PositionRule
from emotive_agents.vectors.vector_set import EmotionVectorSet

GGUF_ARCH = "controlvector"
# llama.cpp architecture names for the HF model types whose block output llama.cpp exposes as `l_out`.
_MODEL_HINTS = {"llama": "llama", "mistral": "llama", "qwen2": "qwen2", "gemma2": "gemma2", "phi3": "phi3"}


class ExportError(VectorSetError):
    """The vector set or mix cannot be expressed as a llama.cpp control vector."""


def check_exportable(vector_set: EmotionVectorSet) -> None:
    recipe = vector_set.recipe
    if recipe.hook_point is HookPoint.ATTN_OUTPUT:
        raise ExportError(
            "this vector set steers the self-attention output; llama.cpp control vectors are added to the "
            "block output, so exporting it would steer differently (re-extract with "
            "--hook-point block_contribution)"
        )
    if recipe.positions is not PositionRule.ALL:
        raise ExportError(
            f"this vector set steers positions {recipe.positions.value!r}; llama.cpp adds control vectors "
            "at every position, prompt included, so only positions='all' exports faithfully"
        )


def mix_directions(
    vector_set: EmotionVectorSet, mix: EmotionMix | Mapping[str, float], *, drop_first_layer: bool = False
) -> dict[int, torch.Tensor]:
    """Per steered layer, the [hidden] vector that the engine adds for `mix` (calibrated alphas applied)."""
    check_exportable(vector_set)
    mix = EmotionMix.coerce(mix)
    if mix.is_neutral:
        raise ExportError("the mix is empty or all zero: nothing to export")
    coefficients = coefficient_matrix(vector_set, [mix])[0]  # [emotions]
    layers = vector_set.recipe.layer_indices(vector_set.vectors.shape[1])
    directions = {
        layer: torch.einsum("e,ed->d", coefficients, vector_set.vectors[:, layer].float()) for layer in layers
    }
    if 0 in directions and bool(directions[0].any()) and not drop_first_layer:
        raise ExportError(
            "the vector steers layer 0, which llama.cpp control vectors cannot touch (it rejects "
            "direction.0); pass drop_first_layer=True (CLI: --drop-first-layer) to export the other "
            "layers, which changes the steering slightly"
        )
    directions.pop(0, None)
    return {layer: vector for layer, vector in directions.items() if bool(vector.any())}


def export_gguf(
    vector_set: EmotionVectorSet,
    mix: EmotionMix | Mapping[str, float],
    path: str | Path,
    *,
    drop_first_layer: bool = False,
) -> Path:
    """Write `mix` as a control vector usable with `llama-cli --control-vector FILE`.

    The calibrated scale is baked in, so `--control-vector-scaled FILE 1.0` is intensity 1.0 here.
    """
    from gguf import GGUFWriter

    directions = mix_directions(vector_set, mix, drop_first_layer=drop_first_layer)
    fingerprint = vector_set.metadata.model
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(str(path), GGUF_ARCH)
    hint = _MODEL_HINTS.get(fingerprint.model_type, fingerprint.model_type)
    writer.add_string(f"{GGUF_ARCH}.model_hint", hint)
    writer.add_uint32(f"{GGUF_ARCH}.layer_count", len(directions))
    for layer, vector in sorted(directions.items()):
        writer.add_tensor(f"direction.{layer}", vector.numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def read_gguf(path: str | Path) -> dict[int, np.ndarray]:
    """The `direction.k` tensors of a control-vector file, by layer (for checks and round trips)."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    out: dict[int, np.ndarray] = {}
    for tensor in reader.tensors:
        prefix, _, index = tensor.name.partition(".")
        if prefix != "direction" or not index.isdigit():
            raise ExportError(f"{path}: unexpected tensor {tensor.name!r} in a control vector")
        out[int(index)] = np.array(tensor.data, dtype=np.float32)
    return out
