"""A cheap fluency check for the retry's sampled candidates: tokens per word under the model's tokenizer.

Sampling at temperature 0.8 under a steered mix now and then yields word salad ("Esteemlemento,
acheta la primera...") that the affect reader happily calls neutral. Real words of the model's
language are mostly one or two BPE tokens, salad is many, so a candidate much costlier per word than
the first reply is not allowed to replace it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

WordCost = Callable[[str], float]


def tokens_per_word(tokenizer: Any) -> WordCost:
    """`cost(text)`: the tokenizer's tokens per word of `text` (1.0 for a text without words)."""

    def cost(text: str) -> float:
        words = _WORD.findall(text)
        if not words:
            return 1.0
        ids = tokenizer(" ".join(words), add_special_tokens=False)["input_ids"]
        return len(ids) / len(words)

    return cost


def engine_word_cost(engine: Any) -> WordCost | None:
    """The cost function of an engine's tokenizer, or None when the engine exposes none."""
    tokenizer = getattr(getattr(engine, "loaded", None), "tokenizer", None)
    return tokens_per_word(tokenizer) if tokenizer is not None else None
