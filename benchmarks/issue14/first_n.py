"""Steer only the first N reply tokens (fifth pass): a benchmark-side patch of the decode loop.

The trained T vectors were trained to write an emotional *opener*; added at every decode step they keep
pushing the same words and greedy decoding loops. Here the prompt (prefill) and the forwards that
produce reply tokens 1..N get the row's delta as usual; from token N+1 on the delta is scaled by `tail`
(0: the model continues on its own). Per row (continuous batching admits rows at different steps), by
the row's own count of generated tokens. Not part of the library: `install(n, tail)` patches
`BatchSteps.step` in this process only.
"""

from __future__ import annotations

from typing import Any

import torch

from emotive_agents.generation import batch_steps
from emotive_agents.generation.kv_batch import KVBatch

_original_step = batch_steps.BatchSteps.step


def install(n: int, tail: float = 0.0) -> None:
    """From now on, in this process: full delta for reply tokens 1..n, `tail` x delta afterwards."""

    def step(self: Any) -> None:
        batch: KVBatch = self.batch
        full = batch.deltas(self.layers)
        if full is None:
            return _original_step(self)
        # this forward produces token len(tokens) + 1 of each row
        scale = torch.tensor(
            [1.0 if len(row.text.tokens) < n else tail for row in batch.rows],
            dtype=next(iter(full.values())).dtype,
            device=next(iter(full.values())).device,
        )[:, None]
        masked = {layer: delta * scale for layer, delta in full.items()}
        original = batch.deltas
        batch.deltas = lambda layers: masked  # type: ignore[method-assign]
        try:
            return _original_step(self)
        finally:
            batch.deltas = original  # type: ignore[method-assign]

    batch_steps.BatchSteps.step = step  # type: ignore[method-assign]


def install_training(n: int) -> None:
    """Train for the same regime: the vector acts on the prompt and the positions that predict reply
    tokens 1..n only (positions < len(prompt) - 1 + n), through the engine's own hooks."""
    from emotive_agents.steering import hooks
    from emotive_agents.training import trainer

    original_forward = trainer._Batcher.forward
    original_steering = trainer.VectorTrainer._steering
    current: list[Any] = []

    def steering(self: Any, vector: torch.Tensor) -> Any:
        s = original_steering(self, vector)
        current[:] = [s]
        return s

    def forward(self: Any, pairs: Any) -> Any:
        if current and current[0] in hooks._ACTIVE.get():
            width = max(len(p) + len(r) for p, r in pairs)
            limits = torch.tensor([len(p) - 1 + n for p, _ in pairs])
            mask = torch.arange(width)[None, :] < limits[:, None]
            s = current[0]
            s._mode, s._mask = hooks._MASK, mask[:, :, None].to(self.loaded.device)
        return original_forward(self, pairs)

    trainer.VectorTrainer._steering = steering  # type: ignore[method-assign]
    trainer._Batcher.forward = forward  # type: ignore[method-assign]
