"""Repetition control for decode loops that sample by hand (the server's scheduler).

The same arithmetic as transformers' `RepetitionPenaltyLogitsProcessor` and
`NoRepeatNGramLogitsProcessor`, so a request decoded by the scheduler matches `model.generate`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def banned_ngram_tokens(ids: Sequence[int], n: int) -> set[int]:
    """Tokens that would complete an n-gram already present in `ids`."""
    if n <= 0 or len(ids) + 1 < n:
        return set()
    prefix = tuple(ids[len(ids) - n + 1 :]) if n > 1 else ()
    banned = set()
    for i in range(len(ids) - n + 1):
        if tuple(ids[i : i + n - 1]) == prefix:
            banned.add(ids[i + n - 1])
    return banned


def apply_repetition_controls(
    logits: torch.Tensor, ids: Sequence[int], *, penalty: float = 1.0, no_repeat_ngram_size: int = 0
) -> torch.Tensor:
    """One row's next-token logits [vocab] after the repetition penalty and the n-gram ban."""
    if penalty == 1.0 and no_repeat_ngram_size <= 0:
        return logits
    scores = logits.clone()
    if penalty != 1.0 and ids:
        index = torch.tensor(sorted(set(ids)), device=scores.device)
        seen = scores.index_select(0, index)
        seen = torch.where(seen < 0, seen * penalty, seen / penalty)
        scores.index_copy_(0, index, seen)
    banned = banned_ngram_tokens(ids, no_repeat_ngram_size)
    if banned:
        scores[torch.tensor(sorted(banned), device=scores.device)] = -math.inf
    return scores
