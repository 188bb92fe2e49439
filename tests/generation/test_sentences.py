"""Sentence boundaries: trimming a budget-cut reply, soft budgets, and whole-sentence streaming."""

from __future__ import annotations

import threading

import pytest
import torch
from _tiny import encode

from emotive_agents.generation.generator import Generator, _RowStops
from emotive_agents.generation.sentences import (
    ends_sentence,
    last_sentence_end,
    streamable_prefix,
    trim_to_sentence,
)
from emotive_agents.generation.types import GenerationRequest, GenerationResult


def test_last_sentence_end_and_ends_sentence() -> None:
    assert last_sentence_end("Hello there. How are") == len("Hello there.")
    assert last_sentence_end('She said "stop!" and left') == len('She said "stop!"')
    assert last_sentence_end("no end here") is None
    assert last_sentence_end("It costs 3.5 dollars") is None  # a decimal point is not a sentence end
    assert ends_sentence("Done.  ") and ends_sentence("Really?!") and ends_sentence("Well\u2026")
    assert not ends_sentence("Done. And") and not ends_sentence("")


def test_trim_to_sentence() -> None:
    assert trim_to_sentence("I can help. Let me check the ord") == ("I can help.", True)
    assert trim_to_sentence("All good.") == ("All good.", False)
    # No sentence end at all: kept whole rather than emptied.
    assert trim_to_sentence("I can help you with th") == ("I can help you with th", False)


def test_streamable_prefix_only_counts_confirmed_ends() -> None:
    assert streamable_prefix("One. Two") == len("One.")
    assert streamable_prefix("It costs 3.") == 0  # "3." may still become "3.5"
    assert streamable_prefix("One. Two. ") == len("One. Two.")


@pytest.fixture(scope="module")
def generator(tiny_llama, llama_vectors) -> Generator:
    return Generator(tiny_llama, llama_vectors)


def _finish(generator: Generator, text: str, **params: object) -> GenerationResult:
    """The generator's result for planted reply tokens (the tiny model never writes sentences itself)."""
    ids = encode(generator.loaded.tokenizer, text)
    request = GenerationRequest.build("Hi", max_new_tokens=len(ids), **params)
    return generator._finish(request, torch.tensor(ids), 5)


def test_generator_trims_a_budget_cut_reply(generator: Generator) -> None:
    cut = _finish(generator, "I can help. Let me ch", trim_to_sentence=True)
    assert (cut.text, cut.finish_reason, cut.usage.trimmed) == ("I can help.", "length", True)
    assert cut.usage.output_tokens == len("I can help. Let me ch")  # the cut tail was still computed
    plain = _finish(generator, "I can help. Let me ch")
    assert (plain.text, plain.usage.trimmed) == ("I can help. Let me ch", False)
    whole = _finish(generator, "I can help. Sure.", trim_to_sentence=True)
    assert (whole.text, whole.usage.trimmed) == ("I can help. Sure.", False)


def test_soft_budget_criterion(generator: Generator) -> None:
    tokenizer = generator.loaded.tokenizer
    prompt = encode(tokenizer, "User: Hi")
    criteria = _RowStops(tokenizer, len(prompt), [40, 40], [(), ()], threading.Event(), [3, None])
    ids = torch.tensor([prompt + encode(tokenizer, "Yes. No")] * 2)
    assert criteria(ids, None).tolist() == [False, False]
    ids = torch.tensor([prompt + encode(tokenizer, "Yes. No.")] * 2)
    assert criteria(ids, None).tolist() == [True, False]  # past its soft budget and at a sentence end


def test_tiny_model_results_are_unchanged_when_nothing_is_cut(generator: Generator) -> None:
    for prompt in ("Hi", "How was your weekend?"):
        plain = generator.generate([GenerationRequest.build(prompt, max_new_tokens=20)])[0]
        request = GenerationRequest.build(prompt, max_new_tokens=20, trim_to_sentence=True)
        cut = generator.generate([request])[0]
        assert cut.text == trim_to_sentence(plain.text)[0]
        stream = generator.stream(request)
        assert "".join(stream) == cut.text and stream.result == cut
