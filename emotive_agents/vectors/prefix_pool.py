"""Pooling reply tokens over a shared prompt KV cache: each distinct prompt of a batch runs once.

Teacher-forced extraction forces a query's replies of every condition after the same neutral prompt, so
one forward per (prompt + reply) row computes that prompt six times. Here the distinct prompts of a
batch are run once (up to the deepest recorded layer, which is all the reply pass reads), their cache
rows are repeated for the replies that follow them, and only the reply tokens are run with the
recording hooks. Same hooks, weights and token positions as `ActivationPooler.pool`, so it gives the
same means within float tolerance (tests/vectors/test_prefix_pool.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from emotive_agents.vectors.extract import ActivationPooler
from emotive_agents.vectors.record import Recorder


def _positions(attention: torch.Tensor) -> torch.Tensor:
    """Each row's real tokens at 0, 1, 2, … whatever its padding (as `ActivationPooler` places them)."""
    return (attention.cumsum(dim=1) - 1).clamp(min=0)


class SharedPromptPooler(ActivationPooler):
    """[B, layers, d] reply-token means of (prompt ids, reply ids) rows, each distinct prompt run once."""

    @torch.inference_mode()
    def pool(self, sequences: Sequence[tuple[list[int], list[int]]]) -> torch.Tensor:
        from transformers import DynamicCache

        distinct: dict[tuple[int, ...], int] = {}
        owner = [distinct.setdefault(tuple(prompt), len(distinct)) for prompt, _ in sequences]
        prompts = list(distinct)
        pad = self.loaded.tokenizer.pad_token_id or 0
        device = self.loaded.device
        model, layout = self.loaded.model, self.loaded.layout

        # Prompts left-padded, replies right-padded: every row's real tokens stay contiguous.
        width = max(len(p) for p in prompts)
        prompt_ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        prompt_mask = torch.zeros_like(prompt_ids)
        for row, prompt in enumerate(prompts):
            if prompt:
                prompt_ids[row, width - len(prompt) :] = torch.tensor(prompt)
                prompt_mask[row, width - len(prompt) :] = 1
        cache = DynamicCache(config=model.config)
        if width:
            prefill = Recorder(
                model, layout, [max(self.layers)], keep=lambda i, h: None, stop_after_last=True
            )
            with prefill:
                prefill.run(
                    input_ids=prompt_ids.to(device),
                    attention_mask=prompt_mask.to(device),
                    position_ids=_positions(prompt_mask).to(device),
                    cache=cache,
                    use_cache=True,
                )
            cache.batch_select_indices(torch.tensor(owner, device=device))

        reply_width = max(len(r) for _, r in sequences)
        reply_ids = torch.full((len(sequences), reply_width), pad, dtype=torch.long)
        reply_mask = torch.zeros_like(reply_ids)
        weights = torch.zeros(len(sequences), reply_width)
        for row, (_, reply) in enumerate(sequences):
            reply_ids[row, : len(reply)] = torch.tensor(reply)
            reply_mask[row, : len(reply)] = 1
            weights[row, : len(reply)] = 1.0 / len(reply)
        attention = torch.cat([prompt_mask[owner], reply_mask], dim=1)
        positions = _positions(attention)[:, width:]
        row_weights = weights.unsqueeze(-1).to(device)  # [B, R, 1], rows sum to 1
        pooled: dict[int, torch.Tensor] = {}

        def keep(index: int, hidden: torch.Tensor) -> None:
            pooled[index] = (hidden.float() * row_weights).sum(dim=1)

        recorder = Recorder(model, layout, self.layers, self.hook_point, keep=keep, stop_after_last=True)
        with recorder:
            recorder.run(
                input_ids=reply_ids.to(device),
                attention_mask=attention.to(device),
                position_ids=positions.to(device),
                cache=cache,
                use_cache=True,
            )
        return torch.stack([pooled[i] for i in self.layers], dim=1).cpu()
