"""Fluency and topic metrics for steered generations.

Perplexity alone cannot guard fluency on a 135M model (it rates a looping "of the ones of the ones"
as more fluent than a well-written angry paragraph), so it is always paired with distinct-n.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import torch

from emotive_agents.models.embeddings import TextEmbedder
from emotive_agents.models.loading import LoadedModel

_WORD = re.compile(r"\w+|[^\w\s]")


def _ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def distinct_n(text: str, n: int = 2) -> float:
    """Unique n-grams / all n-grams of one text (1.0: no repetition; near 0: a loop)."""
    grams = _ngrams(text, n)
    return len(set(grams)) / len(grams) if grams else 1.0


def repetition_rate(text: str, n: int = 2) -> float:
    return 1.0 - distinct_n(text, n)


@torch.inference_mode()
def perplexities(
    loaded: LoadedModel, prompts: Sequence[str], responses: Sequence[str], batch_size: int = 16
) -> list[float]:
    """Perplexity of each response given its prompt text, under `loaded` (run it unsteered)."""
    tokenizer, model = loaded.tokenizer, loaded.model
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    out: list[float] = []
    for start in range(0, len(prompts), batch_size):
        pairs = [
            (
                tokenizer(p, add_special_tokens=False)["input_ids"],
                tokenizer(r, add_special_tokens=False)["input_ids"],
            )
            for p, r in zip(
                prompts[start : start + batch_size], responses[start : start + batch_size], strict=True
            )
        ]
        width = max(len(p) + len(r) for p, r in pairs)
        ids = torch.full((len(pairs), width), pad, dtype=torch.long)
        attention = torch.zeros_like(ids)
        target = torch.zeros_like(ids, dtype=torch.bool)
        for row, (prompt, response) in enumerate(pairs):
            full = prompt + response
            ids[row, width - len(full) :] = torch.tensor(full)
            attention[row, width - len(full) :] = 1
            target[row, width - len(response) :] = True
        device = loaded.device
        logits = model(input_ids=ids.to(device), attention_mask=attention.to(device)).logits.float().cpu()
        logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
        mask = target[:, 1:]
        for row in range(len(pairs)):
            count = int(mask[row].sum())
            nll = -float(logprobs[row][mask[row]].sum()) / count if count else float("nan")
            out.append(math.exp(nll) if count else float("nan"))
    return out


def topic_similarity(embedder: TextEmbedder, queries: Sequence[str], responses: Sequence[str]) -> list[float]:
    """Cosine between each query and its response (does the answer stay on topic?)."""
    q = embedder.embed(list(queries))
    r = embedder.embed(list(responses))
    return [float(x) for x in torch.nn.functional.cosine_similarity(q, r, dim=-1)]
