"""Sentence boundaries: trimming a budget-cut reply, soft budgets, and whole-sentence streaming."""

from __future__ import annotations

import pytest

from emotive_agents.generation.generator import Generator
from emotive_agents.generation.sentences import (
    ends_sentence,
    last_sentence_end,
    streamable_prefix,
    trim_to_sentence,
)
from emotive_agents.generation.types import GenerationRequest


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


def test_tiny_model_results_are_unchanged_when_nothing_is_cut(generator: Generator) -> None:
    for prompt in ("Hi", "How was your weekend?"):
        plain = generator.generate([GenerationRequest.build(prompt, max_new_tokens=20)])[0]
        request = GenerationRequest.build(prompt, max_new_tokens=20, trim_to_sentence=True)
        cut = generator.generate([request])[0]
        assert cut.text == trim_to_sentence(plain.text)[0]
        stream = generator.stream(request)
        assert "".join(stream) == cut.text and stream.result == cut
