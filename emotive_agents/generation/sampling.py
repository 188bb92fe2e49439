"""Per-row token choice: greedy, or temperature / top-k / top-p with the row's own seeded generator.

Each row owns a CPU `torch.Generator` (seeded from its request, or from the global RNG when unseeded), so a
seeded row draws the same tokens whoever its batch-mates are: seeded rows batch together. The warpers apply
in transformers' order (repetition penalty, n-gram ban, min-length EOS ban, temperature, top-k, top-p), so
greedy rows decode exactly as `model.generate` would.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import torch

from emotive_agents.generation.repetition import apply_repetition_controls
from emotive_agents.generation.types import SamplingParams


class RowSampler:
    """Chooses one row's next token from its logits; holds the row's random stream."""

    def __init__(self, params: SamplingParams, eos_ids: Collection[int]) -> None:
        self.params = params
        self._eos = sorted(eos_ids) if params.ignore_eos else []  # banned until max_new_tokens
        self.generator: torch.Generator | None = None
        if params.temperature > 0:
            seed = params.seed if params.seed is not None else int(torch.randint(0, 2**62, ()).item())
            self.generator = torch.Generator(device="cpu")
            self.generator.manual_seed(seed % 2**64)

    @property
    def greedy_plain(self) -> bool:
        """Greedy without logit processing: can share one batched argmax with other such rows."""
        p = self.params
        return (
            p.temperature <= 0
            and p.repetition_penalty == 1.0
            and not p.no_repeat_ngram_size
            and not self._eos
        )

    def process(self, logits: torch.Tensor, history: Sequence[int]) -> torch.Tensor:
        """Logits [vocab] after repetition controls and the EOS ban (ignore_eos)."""
        p = self.params
        if p.repetition_penalty != 1.0 or p.no_repeat_ngram_size:
            logits = apply_repetition_controls(
                logits, history, penalty=p.repetition_penalty, no_repeat_ngram_size=p.no_repeat_ngram_size
            )
        if self._eos:
            logits = logits.clone()
            logits[self._eos] = -math.inf
        return logits

    def sample(self, logits: torch.Tensor, history: Sequence[int]) -> int:
        """The next token given logits [vocab] and the ids so far (prompt + generated)."""
        p = self.params
        logits = self.process(logits, history)
        if p.temperature <= 0:
            return int(logits.argmax())
        scores = logits.float().cpu() / p.temperature  # row generators live on the CPU
        if p.top_k is not None and p.top_k < scores.shape[-1]:
            threshold = torch.topk(scores, p.top_k).values[-1]
            scores = scores.masked_fill(scores < threshold, -math.inf)
        if p.top_p < 1.0:
            sorted_scores, order = torch.sort(scores, descending=False)
            cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
            remove = cumulative <= (1 - p.top_p)
            remove[-1:] = False  # keep at least one token
            scores = scores.masked_fill(remove.scatter(0, order, remove), -math.inf)
        probs = scores.softmax(dim=-1)
        return int(torch.multinomial(probs, 1, generator=self.generator))


def sample_rows(
    logits: torch.Tensor, samplers: Sequence[RowSampler], histories: Sequence[Sequence[int]]
) -> list[int]:
    """One token per row of logits [B, vocab]; plain greedy rows share one argmax."""
    plain = [i for i, s in enumerate(samplers) if s.greedy_plain]
    tokens: list[int] = [0] * len(samplers)
    if plain:
        index = torch.tensor(plain, device=logits.device)
        for i, token in zip(plain, logits.index_select(0, index).argmax(dim=-1).tolist(), strict=True):
            tokens[i] = int(token)
    chosen = set(plain)
    for i, sampler in enumerate(samplers):
        if i not in chosen:
            tokens[i] = sampler.sample(logits[i], histories[i])
    return tokens
