"""How a vector set is meant to be applied: hook point, positions, layers."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, field_validator


class HookPoint(str, Enum):
    """Which internal output a vector was measured at, and so where it is added back."""

    ATTN_OUTPUT = "attn_output"  # self-attention output, before the residual add (the paper's code)
    BLOCK_CONTRIBUTION = "block_contribution"  # decoder layer output minus its input; added at layer output
    RESIDUAL = "residual"  # decoder layer output (residual stream); added at layer output


class PositionRule(str, Enum):
    """Which token positions receive the vector."""

    ALL = "all"  # every position, prompt included
    LAST = "last"  # last position of each forward pass, as in the paper's reference code
    # Positions that produce generated tokens (the final prompt token and every generated token), by
    # absolute position, so cached and uncached generation agree. Under a KV cache this equals LAST.
    GENERATED = "generated"


class SteeringRecipe(BaseModel):
    """Application settings stored with a vector set (and overridable per call)."""

    model_config = ConfigDict(frozen=True)

    hook_point: HookPoint = HookPoint.BLOCK_CONTRIBUTION
    positions: PositionRule = PositionRule.ALL
    layers: tuple[int, ...] | None = None  # None: every layer

    @field_validator("layers")
    @classmethod
    def _unique_sorted(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is None:
            return None
        if any(index < 0 for index in value):
            raise ValueError("layer indices must be >= 0")
        return tuple(sorted(set(value)))

    def applies_at_layer_output(self) -> bool:
        return self.hook_point is not HookPoint.ATTN_OUTPUT

    def layer_indices(self, num_layers: int) -> tuple[int, ...]:
        if self.layers is None:
            return tuple(range(num_layers))
        bad = [index for index in self.layers if index >= num_layers]
        if bad:
            raise ValueError(f"layers {bad} do not exist in a model with {num_layers} layers")
        return self.layers
