"""Fine-tune MiniLM's top layers together with the risk head (lab code, used by `train_risk`).

The lower layers stay frozen, so their hidden states are computed once per training text and cached;
each step runs only the tuned layers, the pooling and the head. Seeded and single-threaded; the
head starts from the logistic-regression fit on frozen features (`train_risk.fit`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import torch

from emotive_agents.router.risk_encoder import MAX_TOKENS, mean_pool, run_layers


class LowerCache:
    """The frozen lower layers' hidden states per text (unpadded), computed once."""

    def __init__(self, base: Any, n_tuned: int) -> None:
        self.base = base
        stack = base.model.encoder.layer
        self.lower = list(stack[: len(stack) - n_tuned])
        self.top = list(stack[len(stack) - n_tuned :])
        self.states: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def fill(self, texts: Sequence[str], batch_size: int = 64) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self.states]
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            batch = self.base.tokenizer(
                chunk, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            )
            hidden = self.base.model.embeddings(
                input_ids=batch["input_ids"], token_type_ids=batch.get("token_type_ids")
            )
            hidden = run_layers(self.lower, hidden, batch["attention_mask"])
            for row, text in enumerate(chunk):
                self.states[text] = hidden[row, : int(batch["attention_mask"][row].sum())].clone()

    def forward(self, layers: torch.nn.ModuleList, texts: Sequence[str]) -> torch.Tensor:
        """Pooled, normalised embeddings of cached texts through `layers` (with gradients)."""
        states = [self.states[t] for t in texts]
        longest = max(s.shape[0] for s in states)
        hidden = torch.zeros(len(states), longest, states[0].shape[1])
        mask = torch.zeros(len(states), longest)
        for row, s in enumerate(states):
            hidden[row, : s.shape[0]] = s
            mask[row, : s.shape[0]] = 1.0
        return mean_pool(run_layers(list(layers), hidden, mask), mask)


def class_weights(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Risk vs none balanced, the risk categories equal among themselves (as `train_risk.fit`)."""
    counts = torch.bincount(y, minlength=n_classes).float()
    risk_total = counts[1:].sum()
    weights = torch.where(counts > 0, risk_total / (n_classes - 1) / counts.clamp_min(1), 0.0)
    weights[0] = risk_total / counts[0].clamp_min(1)
    return weights


def finetune(
    base: Any,
    texts: Sequence[str],
    labels: torch.Tensor,
    init: tuple[torch.Tensor, torch.Tensor],
    *,
    n_tuned: int,
    epochs: int,
    lr: float,
    batch_size: int = 32,
    seed: int = 0,
    cache: LowerCache | None = None,
) -> tuple[torch.nn.ModuleList, torch.Tensor, torch.Tensor]:
    """AdamW on the top `n_tuned` layers (lr) and the head (30 x lr), linear warm-up then decay.

    Returns the tuned layers (float32; `risk_encoder.write_tuned_layers` stores them as they ship) and
    the head. `cache` (the same base and `n_tuned`) is reused across calls, e.g. the folds."""
    torch.manual_seed(seed)
    cache = cache or LowerCache(base, n_tuned)
    cache.fill(texts)
    layers = torch.nn.ModuleList(copy.deepcopy(cache.top)).train()
    head = torch.nn.Linear(init[0].shape[1], init[0].shape[0])
    with torch.no_grad():
        head.weight.copy_(init[0])
        head.bias.copy_(init[1])
    weights = class_weights(labels, init[0].shape[0])
    optimiser = torch.optim.AdamW(
        [{"params": layers.parameters(), "lr": lr}, {"params": head.parameters(), "lr": lr * 30}],
        weight_decay=0.01,
    )
    steps = epochs * math.ceil(len(texts) / batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / steps)
    )
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=generator)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            z = cache.forward(layers, [texts[i] for i in idx])
            loss = torch.nn.functional.cross_entropy(head(z), labels[idx], weight=weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    layers.eval()
    return layers, head.weight.detach().clone(), head.bias.detach().clone()
