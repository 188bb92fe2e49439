"""Repetition control: the hand-written processors equal transformers' own, in the generator too."""

from __future__ import annotations

import itertools

import torch

from emotive_agents.generation.generator import Generator
from emotive_agents.generation.repetition import apply_repetition_controls, banned_ngram_tokens
from emotive_agents.generation.types import GenerationRequest


def test_banned_ngram_tokens() -> None:
    assert banned_ngram_tokens([1, 2, 3, 1, 2], 3) == {3}
    assert banned_ngram_tokens([1, 2, 1], 2) == {2}
    assert banned_ngram_tokens([1, 2], 3) == set()
    assert banned_ngram_tokens([5, 6], 0) == set()


def test_matches_transformers_processors() -> None:
    from transformers import NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

    torch.manual_seed(0)
    ids = [3, 7, 7, 1, 3, 7, 2, 3]
    logits = torch.randn(12)
    ours = apply_repetition_controls(logits, ids, penalty=1.3, no_repeat_ngram_size=2)
    batch_ids = torch.tensor([ids])
    theirs = RepetitionPenaltyLogitsProcessor(1.3)(batch_ids, logits[None].clone())
    theirs = NoRepeatNGramLogitsProcessor(2)(batch_ids, theirs)[0]
    assert torch.equal(ours, theirs)
    assert apply_repetition_controls(logits, ids) is logits  # off by default: untouched


def test_generator_applies_them(tiny_llama, llama_vectors) -> None:
    generator = Generator(tiny_llama, llama_vectors)
    plain = generator.generate([GenerationRequest.build("Hi", max_new_tokens=30)])[0]
    banned = generator.generate([GenerationRequest.build("Hi", max_new_tokens=30, no_repeat_ngram_size=2)])[0]
    ids = tiny_llama.tokenizer(banned.text, add_special_tokens=False)["input_ids"]
    bigrams = list(itertools.pairwise(ids))
    assert len(bigrams) == len(set(bigrams))  # no bigram of the reply repeats
    assert plain.text != banned.text
