"""Vector-set math for steering: a mix's coefficients and its per-layer deltas, and the mix name check.

Computed once per request (the executor keeps the result for prefill and every decode step).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from emotive_agents.errors import VectorSetError
from emotive_agents.mix import EmotionMix
from emotive_agents.vectors.vector_set import EmotionVectorSet


def check_mix(vector_set: EmotionVectorSet | None, mix: EmotionMix) -> None:
    """Fail early on emotions the vector set lacks, whatever their intensity (`{"hapiness": 0}` is a typo)."""
    if not mix.intensities:
        return
    if vector_set is None:
        raise VectorSetError("this engine has no vector set; load one to steer emotions")
    for name in mix.intensities:
        vector_set.index(name)


def coefficient_matrix(vector_set: EmotionVectorSet, mixes: Sequence[EmotionMix]) -> torch.Tensor:
    """[batch, emotions] alphas: intensity times each emotion's calibrated scale; unknown names raise."""
    coefficients = torch.zeros(len(mixes), len(vector_set), dtype=torch.float32)
    for row, mix in enumerate(mixes):
        for name, intensity in mix.intensities.items():
            column = vector_set.index(name)
            coefficients[row, column] = intensity * vector_set.metadata.scale(name)
    return coefficients


def layer_deltas(
    vector_set: EmotionVectorSet,
    mixes: Sequence[EmotionMix],
    layers: Sequence[int],
    *,
    dtype: torch.dtype,
    device: torch.device,
) -> dict[int, torch.Tensor]:
    """Per layer, the [rows, hidden] sum of alpha_k * EV_k; rows collapse to 1 when all mixes agree."""
    coefficients = coefficient_matrix(vector_set, mixes)
    if not coefficients.any():
        return {}
    if bool((coefficients == coefficients[:1]).all()):
        coefficients = coefficients[:1]
    index = torch.tensor(list(layers), dtype=torch.long)
    stacked = torch.einsum("be,eld->lbd", coefficients, vector_set.vectors[:, index])
    return {layer: stacked[i].to(device=device, dtype=dtype) for i, layer in enumerate(layers)}


def row_delta(
    vector_set: EmotionVectorSet | None,
    mix: EmotionMix,
    layers: Sequence[int],
    *,
    dtype: torch.dtype,
    device: torch.device,
) -> torch.Tensor | None:
    """One row's [len(layers), hidden] delta, or None when it steers nothing (unknown names raise)."""
    if mix.is_neutral or vector_set is None or not layers:
        return None
    deltas = layer_deltas(vector_set, [mix], layers, dtype=dtype, device=device)
    if not deltas:  # intensities so small that every coefficient rounds to 0 in float32
        return None
    return torch.stack([deltas[layer][0] for layer in layers])
