"""Extraction's plain greedy path: the same tokens as the executor, batched or not; context checks."""

from __future__ import annotations

import pytest

from emotive_agents.chat import ChatMessage
from emotive_agents.errors import ContextLengthError
from emotive_agents.generation.generator import Generator
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.vectors.greedy import greedy_pairs, prompt_ids

CONVERSATIONS = [
    [ChatMessage(role="user", content=text)]
    for text in ("Hi", "How was your weekend?", "Tell me about cats.")
]


def test_greedy_pairs_match_the_executor(tiny_llama) -> None:
    batched = greedy_pairs(tiny_llama, CONVERSATIONS, max_new_tokens=8, batch_size=2)
    alone = greedy_pairs(tiny_llama, CONVERSATIONS, max_new_tokens=8, batch_size=1)
    requests = [GenerationRequest.build(c, max_new_tokens=8) for c in CONVERSATIONS]
    assert batched == alone == Generator(tiny_llama).generate_ids(requests)


def test_prompt_ids_reserve_the_reply(tiny_llama) -> None:
    ids = prompt_ids(tiny_llama, CONVERSATIONS[0])
    assert ids and prompt_ids(tiny_llama, CONVERSATIONS[0], reserve=10) == ids
    with pytest.raises(ContextLengthError):
        prompt_ids(tiny_llama, CONVERSATIONS[0], reserve=10_000)
