"""Pooling reply tokens over a shared prompt KV cache: each prompt token of a group runs once.

Teacher-forced extraction forces a query's replies of every condition after the same neutral prompt, and
every chat-templated prompt starts with the same system turn, so one forward per (prompt + reply) row
computes the same prompt tokens many times. Here the distinct prompts are taken in groups (up to
`batch_size` of them): the group's common prefix runs once as one row, each prompt's remaining tokens
run once (up to the deepest recorded layer, which is all the reply pass reads), and the replies that
follow the group's prompts are batched by length (little padding) over copies of the cached prompt rows,
with the recording hooks on the reply tokens alone. Same hooks, weights and token positions as
`ActivationPooler.pool`, so it gives the same means within float tolerance
(tests/vectors/test_prefix_pool.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from emotive_agents.vectors.extract import ActivationPooler
from emotive_agents.vectors.record import Recorder

Row = tuple[list[int], list[int]]  # (prompt ids, reply ids)


def _positions(attention: torch.Tensor) -> torch.Tensor:
    """Each row's real tokens at 0, 1, 2, … whatever its padding (as `ActivationPooler` places them)."""
    return (attention.cumsum(dim=1) - 1).clamp(min=0)


def _common_prefix(prompts: Sequence[tuple[int, ...]]) -> int:
    """Length of the longest prefix every prompt shares."""
    shortest = min(len(p) for p in prompts)
    for n in range(shortest):
        token = prompts[0][n]
        if any(p[n] != token for p in prompts):
            return n
    return shortest


@dataclass(frozen=True)
class PromptGroup:
    prompts: list[tuple[int, ...]]  # distinct prompts, cached together
    batches: list[list[tuple[int, int]]]  # reply batches of (row index, prompt index in the group)


def plan(sequences: Sequence[Row], batch_size: int) -> list[PromptGroup]:
    """Groups of up to `batch_size` distinct prompts (shared prefixes adjacent), each with its rows
    in batches of up to `batch_size`, sorted by reply length so a batch carries little padding."""
    by_prompt: dict[tuple[int, ...], list[int]] = {}
    for index, (prompt, _) in enumerate(sequences):
        by_prompt.setdefault(tuple(prompt), []).append(index)
    prompts = sorted(by_prompt)  # lexicographic: prompts that share a system turn sit together
    groups = []
    for start in range(0, len(prompts), batch_size):
        chunk = prompts[start : start + batch_size]
        rows = [(row, k) for k, prompt in enumerate(chunk) for row in by_prompt[prompt]]
        rows.sort(key=lambda item: len(sequences[item[0]][1]))
        batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
        groups.append(PromptGroup(prompts=chunk, batches=batches))
    return groups


class SharedPromptPooler(ActivationPooler):
    """[B, layers, d] reply-token means of (prompt ids, reply ids) rows, each prompt token run once."""

    def _prefill(self, ids: torch.Tensor, mask: torch.Tensor, cache: Any) -> None:
        """Extend `cache` by `ids` (mask: the cached columns and these), up to the deepest recorded layer."""
        device = self.loaded.device
        recorder = Recorder(
            self.loaded.model,
            self.loaded.layout,
            [max(self.layers)],
            keep=lambda i, h: None,
            stop_after_last=True,
        )
        with recorder:
            recorder.run(
                input_ids=ids.to(device),
                attention_mask=mask.to(device),
                position_ids=_positions(mask)[:, mask.shape[1] - ids.shape[1] :].to(device),
                cache=cache,
                use_cache=True,
            )

    def prompt_cache(self, prompts: Sequence[tuple[int, ...]]) -> tuple[Any, torch.Tensor]:
        """The prompts' KV cache (their common prefix run once) and its [P, width] attention mask.

        Columns: the shared prefix, then each prompt's remaining tokens left-padded, so every prompt
        ends at the last column and its reply follows directly.
        """
        from transformers import DynamicCache

        pad = self.loaded.tokenizer.pad_token_id or 0
        cache = DynamicCache(config=self.loaded.model.config)
        shared = _common_prefix(prompts) if len(prompts) > 1 else 0  # one prompt: nothing to share
        mask = torch.ones(1, shared, dtype=torch.long)
        if shared:
            self._prefill(torch.tensor([prompts[0][:shared]]), mask, cache)
            cache.batch_repeat_interleave(len(prompts))
        mask = mask.expand(len(prompts), shared)
        width = max(len(p) for p in prompts) - shared
        if width:
            ids = torch.full((len(prompts), width), pad, dtype=torch.long)
            rest = torch.zeros_like(ids)
            for row, prompt in enumerate(prompts):
                if len(prompt) > shared:
                    ids[row, width - len(prompt) + shared :] = torch.tensor(prompt[shared:])
                    rest[row, width - len(prompt) + shared :] = 1
            mask = torch.cat([mask, rest], dim=1)
            self._prefill(ids, mask, cache)
        return cache, mask

    def pool_replies(
        self, cache: Any, prompt_mask: torch.Tensor, owner: Sequence[int], replies: Sequence[list[int]]
    ) -> torch.Tensor:
        """[B, layers, d] means over `replies`, each forced after cached prompt row `owner[b]`.

        The cache itself is left as it is (a copy's rows are selected), so it serves the next batch.
        """
        device = self.loaded.device
        pad = self.loaded.tokenizer.pad_token_id or 0
        rows = torch.tensor(list(owner))
        if prompt_mask.shape[1]:
            cache = copy.deepcopy(cache)
            cache.batch_select_indices(rows.to(device))
        reply_width = max(len(r) for r in replies)
        reply_ids = torch.full((len(replies), reply_width), pad, dtype=torch.long)
        reply_mask = torch.zeros_like(reply_ids)
        weights = torch.zeros(len(replies), reply_width)
        for row, reply in enumerate(replies):  # right-padded: the reply follows its prompt directly
            reply_ids[row, : len(reply)] = torch.tensor(reply)
            reply_mask[row, : len(reply)] = 1
            weights[row, : len(reply)] = 1.0 / len(reply)
        attention = torch.cat([prompt_mask[rows], reply_mask], dim=1)
        row_weights = weights.unsqueeze(-1).to(device)  # [B, R, 1], rows sum to 1
        pooled: dict[int, torch.Tensor] = {}

        def keep(index: int, hidden: torch.Tensor) -> None:
            pooled[index] = (hidden.float() * row_weights).sum(dim=1)

        model, layout = self.loaded.model, self.loaded.layout
        recorder = Recorder(model, layout, self.layers, self.hook_point, keep=keep, stop_after_last=True)
        with recorder:
            recorder.run(
                input_ids=reply_ids.to(device),
                attention_mask=attention.to(device),
                position_ids=_positions(attention)[:, prompt_mask.shape[1] :].to(device),
                cache=cache,
                use_cache=True,
            )
        return torch.stack([pooled[i] for i in self.layers], dim=1).cpu()

    @torch.inference_mode()
    def pool_batches(
        self, sequences: Sequence[Row], batch_size: int
    ) -> Iterator[tuple[list[int], torch.Tensor]]:
        """(row indices, their [b, layers, d] means) per reply batch, in `plan` order."""
        for group in plan(sequences, batch_size):
            cache, mask = self.prompt_cache(group.prompts)
            for batch in group.batches:
                pooled = self.pool_replies(
                    cache, mask, [k for _, k in batch], [sequences[row][1] for row, _ in batch]
                )
                yield [row for row, _ in batch], pooled

    @torch.inference_mode()
    def pool(self, sequences: Sequence[Row]) -> torch.Tensor:
        """[B, layers, d] in input order: all rows as one reply batch over one prompt cache."""
        out = torch.empty(len(sequences), len(self.layers), self.loaded.hidden_size)
        for rows, pooled in self.pool_batches(sequences, max(len(sequences), 1)):
            out[rows] = pooled
        return out
