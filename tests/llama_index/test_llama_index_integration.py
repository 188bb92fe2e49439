"""EmotiveLLM on the embedded SmolLM2-135M: the real context window, steering, streaming and async."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from emotive_agents.llama_index import EmotiveLLM

pytestmark = pytest.mark.integration

QUESTION = [ChatMessage(role=MessageRole.USER, content="How was your weekend?")]


@pytest.fixture(scope="module")
def llm() -> EmotiveLLM:
    return EmotiveLLM(max_tokens=24)


def test_metadata_reads_the_models_context_window(llm: EmotiveLLM) -> None:
    metadata = llm.metadata
    assert metadata.context_window == 8192  # SmolLM2's max_position_embeddings
    assert (metadata.model_name, metadata.num_output, metadata.is_chat_model) == ("smollm2-135m", 24, True)


def test_emotion_changes_the_answer(llm: EmotiveLLM) -> None:
    joyful = llm.chat(QUESTION, emotion={"joy": 1.0})
    sad = llm.chat(QUESTION, emotion={"sadness": 1.0})
    assert joyful.message.content and sad.message.content
    assert joyful.message.content != sad.message.content
    assert joyful.raw["emotion"] == {"joy": 1.0}
    assert joyful.raw["usage"]["completion_tokens"] > 0


def test_stream_and_async_agree_with_chat(llm: EmotiveLLM) -> None:
    expected = llm.chat(QUESTION, emotion={"calm": 0.8}).message.content
    streamed = list(llm.stream_chat(QUESTION, emotion={"calm": 0.8}))
    assert len([r for r in streamed if r.delta]) > 1  # word by word, not one block
    assert "".join(r.delta or "" for r in streamed) == expected
    assert asyncio.run(llm.acomplete("How was your weekend?", emotion={"calm": 0.8})).text == expected
