"""Scoped steering hooks: add per-row, per-layer emotion deltas to hidden states during one context.

Hooks are registered on entry and removed on exit, so the model is unchanged afterwards. Each hook
acts only when its `Steering` is active in the *current* context (a ContextVar), so two threads that
steer one shared model differently never see each other's vectors. The hot path is one tensor add
per steered layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from types import TracebackType
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from emotive_agents.errors import SteeringError
from emotive_agents.mix import EmotionMix
from emotive_agents.models.layers import LayerLayout
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.deltas import layer_deltas
from emotive_agents.vectors.recipe import PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet

__all__ = ["Steering", "layer_deltas", "steer"]

# The steerings active in this thread/task; hooks of inactive ones are no-ops.
_ACTIVE: ContextVar[tuple[Steering, ...]] = ContextVar("emotive_agents_active_steering", default=())

_SKIP, _ADD, _MASK, _LAST = range(4)


class Steering:
    """Adds `deltas[layer]` ([batch or 1, hidden]) at the recipe's hook point while the context is open."""

    def __init__(
        self,
        model: nn.Module,
        layout: LayerLayout,
        deltas: Mapping[int, torch.Tensor],
        recipe: SteeringRecipe,
        *,
        prompt_length: int | None = None,
    ) -> None:
        if recipe.positions is PositionRule.GENERATED and prompt_length is None and deltas:
            raise SteeringError(
                "position rule 'generated' needs the prompt length (the generator passes it); "
                "use positions='all' or 'last' for hand-made forward passes"
            )
        self._model = model
        self._layout = layout
        self._deltas = {index: delta.unsqueeze(1) for index, delta in deltas.items()}  # [B, 1, d]
        self._recipe = recipe
        self._prompt_length = prompt_length
        self._mode = _ADD if recipe.positions is PositionRule.ALL else _LAST
        self._mask: torch.Tensor | None = None
        self._handles: list[RemovableHandle] = []
        self._entered = False

    @property
    def layers(self) -> tuple[int, ...]:
        return tuple(sorted(self._deltas))

    def __enter__(self) -> Steering:
        if self._entered:
            raise SteeringError("this Steering context is already active; create a new one per use")
        try:
            if self._recipe.positions is PositionRule.GENERATED and self._deltas:
                base = self._layout.base(self._model)
                self._handles.append(base.register_forward_pre_hook(self._track_positions, with_kwargs=True))
            for index in self._deltas:
                module = (
                    self._layout.layer(self._model, index)
                    if self._recipe.applies_at_layer_output()
                    else self._layout.attention(self._model, index)
                )
                self._handles.append(module.register_forward_hook(self._make_hook(index)))
        except BaseException:
            self._remove_hooks()
            raise
        _ACTIVE.set((*_ACTIVE.get(), self))
        self._entered = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._remove_hooks()
        if self._entered:
            # Remove only this steering: contexts may be closed out of order.
            _ACTIVE.set(tuple(s for s in _ACTIVE.get() if s is not self))
            self._entered = False

    def _remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _track_positions(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Before each forward: which absolute positions of this chunk belong to the generated part."""
        if self not in _ACTIVE.get():
            return
        inputs = kwargs.get("input_ids")
        if inputs is None:
            inputs = kwargs.get("inputs_embeds")
        if inputs is None and args and isinstance(args[0], torch.Tensor):
            inputs = args[0]
        if inputs is None:
            raise SteeringError("cannot find input_ids or inputs_embeds in the model call")
        cache = next(
            (v for v in (*kwargs.values(), *args) if hasattr(v, "get_seq_length")),
            None,
        )
        offset = int(cache.get_seq_length()) if cache is not None else 0
        length = inputs.shape[1]
        first = (self._prompt_length or 0) - 1 - offset  # first steered index within this chunk
        if first <= 0:
            self._mode = _ADD
        elif first >= length:
            self._mode = _SKIP
        else:
            self._mode = _MASK
            mask = torch.arange(length, device=inputs.device) >= first
            self._mask = mask.view(1, length, 1)

    def _make_hook(self, index: int) -> Any:
        delta = self._deltas[index]

        def hook(module: nn.Module, args: Any, output: Any) -> Any:
            if self not in _ACTIVE.get():
                return None
            if isinstance(output, tuple):
                return (self._add(output[0], delta), *output[1:])
            return self._add(output, delta)

        return hook

    def _add(self, hidden: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
        if delta.shape[0] != 1 and delta.shape[0] != hidden.shape[0]:
            raise SteeringError(
                f"steering has {delta.shape[0]} rows of mixes but the model got a batch of "
                f"{hidden.shape[0]}; pass one mix per row (or a single mix for all rows)"
            )
        mode = self._mode
        if mode == _ADD or (mode == _LAST and hidden.shape[1] == 1):
            return hidden + delta
        if mode == _SKIP:
            return hidden
        if mode == _MASK:
            assert self._mask is not None
            return torch.where(self._mask, hidden + delta, hidden)
        return torch.cat((hidden[:, :-1], hidden[:, -1:] + delta), dim=1)


def steer(
    loaded: LoadedModel,
    vector_set: EmotionVectorSet,
    mix: EmotionMix | Mapping[str, float] | Sequence[EmotionMix | Mapping[str, float]] | None,
    *,
    recipe: SteeringRecipe | None = None,
    prompt_length: int | None = None,
) -> Steering:
    """A context manager that steers `loaded.model` with one mix, or one mix per batch row.

    >>> with steer(loaded, vectors, {"joy": 0.8}):
    ...     loaded.model.generate(...)
    """
    recipe = recipe or vector_set.recipe
    fingerprint = vector_set.metadata.model
    if (fingerprint.num_layers, fingerprint.hidden_size) != (loaded.num_layers, loaded.hidden_size):
        raise SteeringError(
            f"vector set is for {fingerprint.num_layers} layers x {fingerprint.hidden_size} hidden; "
            f"model {loaded.name!r} has {loaded.num_layers} x {loaded.hidden_size}"
        )
    rows = mix if isinstance(mix, Sequence) and not isinstance(mix, str) else [mix]
    mixes = [EmotionMix.coerce(m) for m in rows]
    try:
        layers = recipe.layer_indices(loaded.num_layers)
    except ValueError as exc:
        raise SteeringError(str(exc)) from None
    parameter = next(loaded.model.parameters())
    deltas = layer_deltas(vector_set, mixes, layers, dtype=parameter.dtype, device=parameter.device)
    return Steering(loaded.model, loaded.layout, deltas, recipe, prompt_length=prompt_length)
