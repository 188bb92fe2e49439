"""Recording activations: the one place that hooks layer (or attention) outputs to read them.

Used by extraction (`ActivationPooler`, teacher-forced extraction through it) and by the affect probe.
Hooks live only inside the `with` block, so the model is unchanged afterwards; with `stop_after_last` the
forward is cut short after the deepest recorded layer (the probe needs nothing beyond it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from emotive_agents.models.layers import LayerLayout
from emotive_agents.vectors.recipe import HookPoint

# (layer index, recorded [B, S, d] tensor) -> None; the default keeps a float copy in `states`.
Keep = Callable[[int, torch.Tensor], None]


class _StopForward(Exception):
    """Raised by the deepest recorded layer's hook when the rest of the forward is not needed."""


class Recorder:
    """Forward hooks that hand each recorded layer's output at `hook_point` to `keep`.

    ATTN_OUTPUT reads the attention module's output, RESIDUAL the decoder layer's output, and
    BLOCK_CONTRIBUTION the layer's output minus its input (what the layer adds to the residual stream).
    """

    def __init__(
        self,
        model: nn.Module,
        layout: LayerLayout,
        layers: Sequence[int],
        hook_point: HookPoint = HookPoint.RESIDUAL,
        *,
        keep: Keep | None = None,
        stop_after_last: bool = False,
    ) -> None:
        self._model = model
        self._layout = layout
        self.layers = list(layers)
        self.hook_point = hook_point
        self._keep = keep or self._store
        self._last = max(self.layers) if stop_after_last and self.layers else None
        self.states: dict[int, torch.Tensor] = {}
        self._handles: list[RemovableHandle] = []

    def _store(self, index: int, hidden: torch.Tensor) -> None:
        self.states[index] = hidden.float()

    def _hook(self, index: int) -> Callable[..., None]:
        def hook(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            hidden = output[0] if isinstance(output, tuple) else output
            if self.hook_point is HookPoint.BLOCK_CONTRIBUTION:
                hidden = hidden - (args[0] if args else kwargs["hidden_states"])
            self._keep(index, hidden)
            if index == self._last:
                raise _StopForward

        return hook

    def __enter__(self) -> Recorder:
        try:
            for index in self.layers:
                module = (
                    self._layout.attention(self._model, index)
                    if self.hook_point is HookPoint.ATTN_OUTPUT
                    else self._layout.layer(self._model, index)
                )
                self._handles.append(module.register_forward_hook(self._hook(index), with_kwargs=True))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def run(self, **inputs: Any) -> None:
        """One forward of the model with `inputs` (a forward cut short by `stop_after_last` is fine)."""
        with contextlib.suppress(_StopForward):
            self._model(**inputs)
