"""Fluency/topic metrics on fixed texts with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from emotive_agents.evaluation.metrics import distinct_n, perplexities, repetition_rate, topic_similarity
from emotive_agents.models.loading import LoadedModel


def test_distinct_n_known_values() -> None:
    assert distinct_n("the cat sat on the mat", 2) == 1.0
    # "of the ones of the ones of the ones": 8 bigrams, 3 unique.
    assert distinct_n("of the ones of the ones of the ones", 2) == pytest.approx(3 / 8)
    assert repetition_rate("of the ones of the ones of the ones", 2) == pytest.approx(5 / 8)
    assert distinct_n("word", 2) == 1.0  # no bigram at all: nothing repeats
    assert distinct_n("a a a a", 1) == pytest.approx(1 / 4)


def test_perplexity_matches_a_manual_computation(tiny_llama: LoadedModel) -> None:
    tokenizer, model = tiny_llama.tokenizer, tiny_llama.model
    prompt, response = "hello ", "world"
    ids = tokenizer(prompt + response, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0]
    logprobs = torch.log_softmax(logits[:-1], -1).gather(-1, torch.tensor(ids[1:])[:, None])[:, 0]
    expected = math.exp(-float(logprobs[len(prompt) - 1 :].mean()))
    batched = perplexities(tiny_llama, [prompt, "a much longer prompt "], [response, "xyz"])
    assert batched[0] == pytest.approx(expected, rel=1e-4)  # padding in the batch changes nothing
    assert all(p > 1 for p in batched)


class _BagOfLetters:
    """A fake embedder: letter counts, normalised (texts sharing letters are similar)."""

    def embed(self, texts):
        rows = []
        for text in texts:
            vec = torch.zeros(26)
            for ch in text.lower():
                if "a" <= ch <= "z":
                    vec[ord(ch) - 97] += 1
            rows.append(vec / vec.norm().clamp_min(1e-8))
        return torch.stack(rows)


def test_topic_similarity_is_the_pairwise_cosine() -> None:
    sims = topic_similarity(_BagOfLetters(), ["abc", "abc"], ["cba", "xyz"])
    assert sims[0] == pytest.approx(1.0)
    assert sims[1] == pytest.approx(0.0)
