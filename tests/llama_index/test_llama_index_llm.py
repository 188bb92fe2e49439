"""EmotiveLLM on a tiny model: chat, complete, streaming, async, per-call emotion, callbacks, refusals."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, MessageRole, TextBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from pydantic import ValidationError

from emotive_agents import runtime
from emotive_agents.engine import EmotiveEngine
from emotive_agents.errors import UnknownEmotionError
from emotive_agents.llama_index import EmotiveLLM, UnsupportedMessageError

JOY = {"joy": 1.0}
ANGER = {"anger": 1.0}
HI = [ChatMessage(role=MessageRole.USER, content="hi")]


@pytest.fixture
def llm(tiny_engine: EmotiveEngine) -> EmotiveLLM:
    return EmotiveLLM(engine=tiny_engine, max_tokens=12)


def engine_result(engine: EmotiveEngine, emotion: dict[str, float] | None = None, **params: Any) -> Any:
    return engine.generate([{"role": "user", "content": "hi"}], emotion, max_new_tokens=12, **params)


def test_class_and_metadata(llm: EmotiveLLM) -> None:
    assert BaseLLM.__name__ in [cls.__name__ for cls in EmotiveLLM.__mro__]
    metadata = llm.metadata
    assert metadata.context_window == 256  # the tiny model's max_position_embeddings
    assert (metadata.num_output, metadata.model_name) == (12, "tiny-llama")
    assert metadata.is_chat_model and not metadata.is_function_calling_model
    assert EmotiveLLM.class_name() == "EmotiveLLM"


def test_chat_matches_the_engine_and_reports_usage(llm: EmotiveLLM, tiny_engine: EmotiveEngine) -> None:
    response = llm.chat(HI)
    expected = engine_result(tiny_engine)
    assert response.message.role == MessageRole.ASSISTANT
    assert response.message.content == expected.text
    raw = dict(response.raw or {})
    reading = raw.pop("reply_reading")
    assert set(reading) == {"label", "probabilities", "valence"}
    assert reading["label"] == max(reading["probabilities"], key=reading["probabilities"].get)
    assert raw == {
        "model": "tiny-llama",
        "emotion": {},
        "finish_reason": "length",
        "usage": {
            "prompt_tokens": expected.usage.input_tokens,
            "completion_tokens": 12,
            "total_tokens": expected.usage.input_tokens + 12,
        },
    }


def test_per_call_emotion_steers_and_replaces_the_default(tiny_engine: EmotiveEngine) -> None:
    llm = EmotiveLLM(engine=tiny_engine, max_tokens=12, emotion=ANGER)
    default = llm.chat(HI)
    joyful = llm.chat(HI, emotion=JOY)
    assert default.message.content == engine_result(tiny_engine, ANGER).text
    assert joyful.message.content == engine_result(tiny_engine, JOY).text
    assert joyful.message.content != default.message.content
    assert (default.raw["emotion"], joyful.raw["emotion"]) == (ANGER, JOY)
    assert llm.complete("hi", emotion=JOY).text == joyful.message.content


def test_complete_is_chat_on_one_user_turn(llm: EmotiveLLM) -> None:
    completion = llm.complete("hi")
    assert completion.text == llm.chat(HI).message.content
    assert completion.raw["usage"]["completion_tokens"] == 12


def test_stream_chat_deltas_add_up_and_usage_comes_last(llm: EmotiveLLM) -> None:
    responses = list(llm.stream_chat(HI, emotion=JOY))
    deltas = "".join(r.delta or "" for r in responses)
    final = llm.chat(HI, emotion=JOY)
    assert deltas == responses[-1].message.content == final.message.content
    assert [i for i, r in enumerate(responses) if r.raw] == [len(responses) - 1]
    assert responses[-1].raw == final.raw
    streamed = list(llm.stream_complete("hi", emotion=JOY))
    assert "".join(r.delta or "" for r in streamed) == streamed[-1].text == final.message.content


def test_async_methods_match_sync(llm: EmotiveLLM) -> None:
    async def main() -> tuple[Any, Any, list[Any], list[Any]]:
        chat = await llm.achat(HI, emotion=JOY)
        completion = await llm.acomplete("hi", emotion=JOY)
        chat_stream = [r async for r in await llm.astream_chat(HI, emotion=JOY)]
        completion_stream = [r async for r in await llm.astream_complete("hi", emotion=JOY)]
        return chat, completion, chat_stream, completion_stream

    chat, completion, chat_stream, completion_stream = asyncio.run(main())
    expected = llm.chat(HI, emotion=JOY)
    assert chat.message.content == completion.text == expected.message.content
    assert chat.raw == expected.raw
    assert "".join(r.delta or "" for r in chat_stream) == expected.message.content
    assert chat_stream[-1].raw == expected.raw
    assert completion_stream[-1].text == expected.message.content


def test_astream_chat_does_not_block_the_event_loop(tiny_engine: EmotiveEngine, slow: Any) -> None:
    llm = EmotiveLLM(engine=tiny_engine, max_tokens=20)

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        async for _ in await llm.astream_chat(HI):
            pass
        task.cancel()
        return ticks

    assert asyncio.run(main()) >= 20  # 20 passes at >= 5 ms: a free loop ticks, a blocked one does not


def test_timeout_and_early_exit_stop_generation(tiny_engine: EmotiveEngine, slow: Any) -> None:
    llm = EmotiveLLM(engine=tiny_engine, max_tokens=200, timeout=0.1)
    with pytest.raises(TimeoutError):
        llm.chat(HI)
    with pytest.raises(TimeoutError):
        asyncio.run(llm.achat(HI))
    before = slow.calls
    for _ in EmotiveLLM(engine=tiny_engine, max_tokens=200).stream_chat(HI):
        break
    time.sleep(0.1)
    assert slow.calls - before < 30  # not the 200 passes of a worker left running


def test_stop_sequences(llm: EmotiveLLM, tiny_engine: EmotiveEngine) -> None:
    full = engine_result(tiny_engine).text
    stop = full[3:5]
    expected = full[: full.index(stop)]
    response = llm.chat(HI, stop=[stop])
    assert response.message.content == expected
    assert response.raw["finish_reason"] == "stop"
    assert EmotiveLLM(engine=tiny_engine, max_tokens=12, stop=[stop]).complete("hi").text == expected


def test_callbacks_count_tokens_from_raw_usage(tiny_engine: EmotiveEngine) -> None:
    counter = TokenCountingHandler()
    llm = EmotiveLLM(engine=tiny_engine, max_tokens=12, callback_manager=CallbackManager([counter]))
    response = llm.chat(HI)
    llm.complete("hi")
    assert len(counter.llm_token_counts) == 2
    event = counter.llm_token_counts[0]
    assert event.prompt_token_count == response.raw["usage"]["prompt_tokens"]
    assert event.completion_token_count == 12


@pytest.mark.parametrize(
    "message",
    [
        ChatMessage(role=MessageRole.TOOL, content="3"),
        ChatMessage(
            role=MessageRole.USER, blocks=[TextBlock(text="look"), ImageBlock(url="https://x.y/a.png")]
        ),
        ChatMessage(role=MessageRole.ASSISTANT, content="", additional_kwargs={"tool_calls": [{"id": "1"}]}),
    ],
    ids=["tool-role", "image-block", "tool-calls"],
)
def test_unsupported_messages_raise_a_clear_error(llm: EmotiveLLM, message: ChatMessage) -> None:
    with pytest.raises(UnsupportedMessageError, match="EmotiveLLM"):
        llm.chat([*HI, message])


def test_options_and_emotions_are_checked(llm: EmotiveLLM, tiny_engine: EmotiveEngine) -> None:
    with pytest.raises(TypeError, match="tools"):
        llm.chat(HI, tools=[])
    with pytest.raises(UnknownEmotionError):
        llm.chat(HI, emotion={"boredom": 1.0})
    with pytest.raises(UnknownEmotionError):
        EmotiveLLM(engine=tiny_engine, emotion={"boredom": 1.0})
    with pytest.raises(ValidationError):
        EmotiveLLM(engine=tiny_engine, emotion={"joy": 50.0})
    system_first = [ChatMessage(role=MessageRole.SYSTEM, content="Be kind."), *HI]
    assert llm.chat(system_first).message.content  # system turns are passed to the chat template


@pytest.fixture
def fake_loads(
    monkeypatch: pytest.MonkeyPatch, tiny_engine: EmotiveEngine
) -> Iterator[list[tuple[Any, ...]]]:
    loads: list[tuple[Any, ...]] = []

    def load(model: str, vectors: Any = None, **kwargs: Any) -> EmotiveEngine:
        loads.append((model, vectors, kwargs["device"], kwargs["dtype"]))
        return tiny_engine

    runtime.clear_engine_cache()
    monkeypatch.setattr(runtime.EmotiveEngine, "load", load)
    yield loads
    runtime.clear_engine_cache()


def test_engines_load_lazily_once_per_key(fake_loads: list[tuple[Any, ...]]) -> None:
    llm = EmotiveLLM(model="m", max_tokens=4)
    assert fake_loads == []
    llm.complete("hi")
    EmotiveLLM(model="m", max_tokens=4).chat(HI, emotion=JOY)
    llm.model_copy().complete("hello")
    assert fake_loads == [("m", None, "cpu", "float32")]
    EmotiveLLM(model="m", dtype="bfloat16", max_tokens=4).complete("hi")
    assert fake_loads[1:] == [("m", None, "cpu", "bfloat16")]


def test_reply_reading_and_monitor_retry(tiny_engine: EmotiveEngine) -> None:
    from _planted import PlantedReader

    from emotive_agents.monitor.reading import register_reply_reader

    keys = {"label", "probabilities", "valence"}
    llm = EmotiveLLM(engine=tiny_engine, max_tokens=8, reply_reader="vader")
    assert set(llm.chat(HI).raw["reply_reading"]) == keys
    assert set(list(llm.stream_chat(HI))[-1].raw["reply_reading"]) == keys
    assert set(llm.complete("hi").raw["reply_reading"]) == keys
    register_reply_reader("planted-li", PlantedReader(bad="anger", name="planted-li"))
    retrying = EmotiveLLM(engine=tiny_engine, max_tokens=8, reply_reader="planted-li", emotion={"joy": 0.5})
    response = retrying.chat(HI, monitor="retry")
    monitor = response.raw["monitor"]
    assert monitor["retried"] and len(monitor["attempts"]) == 2
    assert response.message.content == monitor["attempts"][monitor["chosen"]]["text"]
    streamed = list(retrying.stream_chat(HI, monitor="retry"))
    assert streamed[-1].message.content == response.message.content
    assert streamed[-1].raw["monitor"]["retried"]
