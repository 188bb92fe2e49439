"""ChatEmotive on the embedded SmolLM2-135M beyond the standard suite: steering, batches sharing steps."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")

from langchain_core.runnables import ConfigurableField

from emotive_agents.langchain import ChatEmotive

pytestmark = pytest.mark.integration

QUESTION = "How was your weekend?"


@pytest.fixture(scope="module")
def chat() -> ChatEmotive:
    return ChatEmotive(max_tokens=20)


def test_emotion_changes_the_answer(chat: ChatEmotive) -> None:
    joyful = chat.invoke(QUESTION, emotion={"joy": 1.0})
    sad = chat.invoke(QUESTION, emotion={"sadness": 1.0})
    assert joyful.content and sad.content and joyful.content != sad.content
    assert joyful.response_metadata["model_name"] == "smollm2-135m"


def test_configurable_batch_shares_decode_steps(chat: ChatEmotive) -> None:
    executor = chat._engine_for(None).executor
    before = executor.snapshot()
    moody = chat.configurable_fields(emotion=ConfigurableField(id="emotion"))
    mixes = [{"joy": 1.0}, {"anger": 1.0}, {}]
    replies = moody.batch([QUESTION] * 3, config=[{"configurable": {"emotion": m}} for m in mixes])
    after = executor.snapshot()
    assert after.decoded_rows - before.decoded_rows > after.decode_steps - before.decode_steps
    assert [r.response_metadata["emotion"] for r in replies] == mixes
    assert all(r.content for r in replies)
    assert len({r.content for r in replies}) == 3
