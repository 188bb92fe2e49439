"""Same seed and sampling settings, same text: library, LangChain, LlamaIndex and the server's scheduler.

Every entry point is a row of the one executor with its own seeded generator, so none may differ.
"""

from __future__ import annotations

import asyncio

import pytest

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.scheduler import Scheduler

SAMPLING = {"temperature": 1.1, "top_p": 0.95, "top_k": 40, "seed": 7}
PROMPTS = ["hi", "How was your weekend?"]
JOY = {"joy": 0.8}


@pytest.fixture
def expected(tiny_engine: EmotiveEngine) -> list[str]:
    texts = [tiny_engine.generate(p, JOY, max_new_tokens=16, **SAMPLING).text for p in PROMPTS]
    greedy = tiny_engine.generate(PROMPTS[0], JOY, max_new_tokens=16).text
    assert texts[0] != greedy, "precondition: sampling changes the text"
    return texts


def test_engine_stream_and_batch(tiny_engine: EmotiveEngine, expected: list[str]) -> None:
    assert ["".join(tiny_engine.stream(p, JOY, max_new_tokens=16, **SAMPLING)) for p in PROMPTS] == expected
    batch = tiny_engine.generate_batch(
        [tiny_engine.request(p, JOY, max_new_tokens=16, **SAMPLING) for p in PROMPTS]
    )
    assert [r.text for r in batch] == expected


def test_langchain_invoke_batch_and_async(tiny_engine: EmotiveEngine, expected: list[str]) -> None:
    from emotive_agents.langchain import ChatEmotive

    chat = ChatEmotive(engine=tiny_engine, emotion=JOY, max_tokens=16, monitor="off", **SAMPLING)
    assert [chat.invoke(p).content for p in PROMPTS] == expected
    assert [m.content for m in chat.batch(PROMPTS)] == expected
    assert [m.content for m in asyncio.run(chat.abatch(PROMPTS))] == expected
    assert "".join(str(c.content) for c in chat.stream(PROMPTS[0])) == expected[0]


def test_llama_index_chat_and_complete(tiny_engine: EmotiveEngine, expected: list[str]) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from emotive_agents.llama_index import EmotiveLLM

    llm = EmotiveLLM(engine=tiny_engine, emotion=JOY, max_tokens=16, monitor="off", **SAMPLING)
    chats = [llm.chat([ChatMessage(role="user", content=p)]).message.content for p in PROMPTS]
    assert chats == expected
    assert (
        asyncio.run(llm.achat([ChatMessage(role="user", content=PROMPTS[1])])).message.content == expected[1]
    )


def test_server_scheduler(tiny_engine: EmotiveEngine, expected: list[str]) -> None:
    with Scheduler(tiny_engine, max_batch_size=4) as scheduler:
        handles = [
            scheduler.submit(tiny_engine.request(p, JOY, max_new_tokens=16, **SAMPLING)) for p in PROMPTS
        ]
        assert [h.result(timeout=60).text for h in handles] == expected
