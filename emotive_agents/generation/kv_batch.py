"""The running decode batch: rows' merged KV cache, masks, positions and per-row steering deltas.

Each row keeps its real tokens right-aligned in one batched `DynamicCache`; shorter rows are left-padded with
masked zeros and get explicit `position_ids` (their own token count), so a row computes the same attention
as alone. Columns no row needs any more are trimmed when rows leave. Models whose cache is not a plain
per-layer `DynamicLayer` (sliding windows, linear attention) cannot be merged this way: they decode one
row at a time (`is_mergeable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import torch

RowT = TypeVar("RowT")


def _left_pad(tensor: torch.Tensor, amount: int) -> torch.Tensor:
    """Pad [B, H, L, D] with `amount` zero columns on the left of L."""
    if amount == 0:
        return tensor
    return torch.nn.functional.pad(tensor, (0, 0, amount, 0))


def left_padded(
    rows: Sequence[Sequence[int]], pad: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """input_ids and attention mask [B, L] of token rows, right-aligned (every prompt ends at column L)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(list(row))
        mask[i, width - len(row) :] = 1
    return ids.to(device), mask.to(device)


class KVBatch(Generic[RowT]):
    """Rows decoding together; `rows[i]` owns batch index i of every tensor."""

    def __init__(self) -> None:
        self.rows: list[RowT] = []
        self.cache: Any = None  # DynamicCache
        self.mask: torch.Tensor | None = None  # [B, L] long
        self.positions: torch.Tensor | None = None  # [B] next position id per row
        self.last: torch.Tensor | None = None  # [B] last sampled token per row
        self._deltas: list[torch.Tensor | None] = []  # per row [layers, hidden] or None
        self._stacked: dict[int, torch.Tensor] | None = None  # per layer [B, hidden], rebuilt on change

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def length(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[1])

    def add(
        self,
        rows: Sequence[RowT],
        cache: Any,
        mask: torch.Tensor,
        tokens: Sequence[int],
        deltas: Sequence[torch.Tensor | None],
        *,
        keep: Sequence[int] | None = None,
    ) -> None:
        """Merge prefilled rows (their left-padded cache and [n, L] mask; `keep`: which of its rows) in."""
        if keep is not None and len(keep) != mask.shape[0]:
            index = torch.tensor(list(keep), device=mask.device)
            mask = mask.index_select(0, index)
            for layer in cache.layers:
                layer.keys = layer.keys.index_select(0, index)
                layer.values = layer.values.index_select(0, index)
        start = int(mask.any(dim=0).long().argmax())  # columns only padding: drop them
        if start:
            mask = mask[:, start:]
            for layer in cache.layers:
                layer.keys, layer.values = layer.keys[:, :, start:], layer.values[:, :, start:]
        device = mask.device
        positions = mask.sum(dim=1)
        last = torch.tensor(list(tokens), device=device)
        if not self.rows:
            self.cache, self.mask, self.positions, self.last = cache, mask, positions, last
        else:
            assert self.mask is not None and self.positions is not None and self.last is not None
            length = int(mask.shape[1])
            width = max(self.length, length)
            pad_batch, pad_rows = width - self.length, width - length
            for mine, theirs in zip(self.cache.layers, cache.layers, strict=True):
                mine.keys = torch.cat((_left_pad(mine.keys, pad_batch), _left_pad(theirs.keys, pad_rows)))
                mine.values = torch.cat(
                    (_left_pad(mine.values, pad_batch), _left_pad(theirs.values, pad_rows))
                )
            self.mask = torch.cat(
                (
                    torch.nn.functional.pad(self.mask, (pad_batch, 0)),
                    torch.nn.functional.pad(mask, (pad_rows, 0)),
                )
            )
            self.positions = torch.cat((self.positions, positions))
            self.last = torch.cat((self.last, last))
        self.rows.extend(rows)
        self._deltas.extend(deltas)
        self._stacked = None

    def keep(self, keep: Sequence[int]) -> None:
        """Drop every row not in `keep` (indices), then trim columns no remaining row attends to."""
        if len(keep) == len(self.rows):
            return
        self.rows = [self.rows[i] for i in keep]
        self._deltas = [self._deltas[i] for i in keep]
        self._stacked = None
        if not self.rows:
            self.cache = self.mask = self.positions = self.last = None
            return
        assert self.mask is not None and self.positions is not None and self.last is not None
        index = torch.tensor(list(keep), device=self.mask.device)
        mask = self.mask.index_select(0, index)
        start = int(mask.any(dim=0).long().argmax())  # first column some row still uses
        self.mask = mask[:, start:]
        for layer in self.cache.layers:
            layer.keys = layer.keys.index_select(0, index)[:, :, start:]
            layer.values = layer.values.index_select(0, index)[:, :, start:]
        self.positions = self.positions.index_select(0, index)
        self.last = self.last.index_select(0, index)

    def step_inputs(self) -> dict[str, Any]:
        """Keyword arguments of the next decode forward (one token per row)."""
        assert self.mask is not None and self.positions is not None and self.last is not None
        return {
            "input_ids": self.last[:, None],
            "attention_mask": torch.nn.functional.pad(self.mask, (0, 1), value=1),
            "position_ids": self.positions[:, None],
            "cache": self.cache,
            "use_cache": True,
        }

    def advance(self, tokens: Sequence[int]) -> None:
        """Record the step just taken: one more attended column and the newly sampled tokens."""
        assert self.mask is not None and self.positions is not None and self.last is not None
        self.mask = torch.nn.functional.pad(self.mask, (0, 1), value=1)
        self.positions = self.positions + 1
        self.last = torch.tensor(list(tokens), device=self.last.device)

    def deltas(self, layers: Sequence[int]) -> dict[int, torch.Tensor] | None:
        """Per steered layer, the [B, hidden] per-row deltas (zeros for neutral rows); None if none steers."""
        if self._stacked is None:
            self._stacked = stack_deltas(self._deltas, layers)
        return self._stacked


def stack_deltas(
    deltas: Sequence[torch.Tensor | None], layers: Sequence[int]
) -> dict[int, torch.Tensor] | None:
    """Per layer, the rows' [B, hidden] deltas (zeros for rows that steer nothing); None if no row steers."""
    present = [d for d in deltas if d is not None]
    if not present:
        return None
    zeros = torch.zeros_like(present[0])
    stacked = torch.stack([d if d is not None else zeros for d in deltas])
    return {layer: stacked[:, i] for i, layer in enumerate(layers)}


def is_mergeable(cache: Any) -> bool:
    """Only plain full-attention dynamic layers can be left-padded and concatenated along the batch."""
    from transformers.cache_utils import DynamicLayer

    layers = getattr(cache, "layers", None)
    if not layers:  # layers created lazily: plain DynamicLayer unless told otherwise
        return getattr(cache, "layer_class_to_replicate", None) is DynamicLayer
    return all(type(layer) is DynamicLayer for layer in layers)
