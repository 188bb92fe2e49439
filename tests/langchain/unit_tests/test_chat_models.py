"""ChatEmotive on a tiny model: per-call emotion, bind, configurable, batching, streaming, async."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("langchain_core")

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import ConfigurableField
from pydantic import ValidationError

from emotive_agents import runtime
from emotive_agents.engine import EmotiveEngine
from emotive_agents.errors import UnknownEmotionError
from emotive_agents.langchain import ChatEmotive, UnsupportedMessageError

JOY = {"joy": 1.0}
ANGER = {"anger": 1.0}


@pytest.fixture
def chat(tiny_engine: EmotiveEngine) -> ChatEmotive:
    return ChatEmotive(engine=tiny_engine, max_tokens=12)


class SharedSteps:
    """How many decode steps and row-steps the engine's executor ran during a block."""

    def __init__(self, engine: EmotiveEngine) -> None:
        self._executor = engine.executor

    def __enter__(self) -> SharedSteps:
        start = self._executor.snapshot()
        self._start = (start.decode_steps, start.decoded_rows)
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._executor.snapshot()
        self.steps = end.decode_steps - self._start[0]
        self.rows = end.decoded_rows - self._start[1]


def engine_text(engine: EmotiveEngine, prompt: str, emotion: dict[str, float], **params: Any) -> str:
    return engine.generate(prompt, emotion, max_new_tokens=params.pop("max_new_tokens", 12), **params).text


# -- emotion per call, bind, configurable ----------------------------------------------------------------
def test_invoke_matches_the_engine_and_reports_usage(chat: ChatEmotive, tiny_engine: EmotiveEngine) -> None:
    message = chat.invoke("hi")
    expected = tiny_engine.generate("hi", None, max_new_tokens=12)
    assert isinstance(message, AIMessage)
    assert message.content == expected.text
    assert message.usage_metadata == {
        "input_tokens": expected.usage.input_tokens,
        "output_tokens": 12,
        "total_tokens": expected.usage.input_tokens + 12,
    }
    assert message.response_metadata["model_name"] == "tiny-llama"
    assert message.response_metadata["emotion"] == {}
    assert message.response_metadata["finish_reason"] == "length"


def test_per_call_emotion_steers_and_replaces_the_default(tiny_engine: EmotiveEngine) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=12, emotion=ANGER)
    default = chat.invoke("hi")
    joyful = chat.invoke("hi", emotion=JOY)
    assert default.content == engine_text(tiny_engine, "hi", ANGER)
    assert joyful.content == engine_text(tiny_engine, "hi", JOY)
    assert joyful.content != default.content
    assert joyful.response_metadata["emotion"] == JOY
    assert chat.invoke("hi", emotion={}).content == engine_text(tiny_engine, "hi", {})


def test_bind_and_configurable_emotion_equal_a_per_call_emotion(chat: ChatEmotive) -> None:
    per_call = chat.invoke("hi", emotion=JOY).content
    assert chat.bind(emotion=JOY).invoke("hi").content == per_call
    configurable = chat.configurable_fields(emotion=ConfigurableField(id="emotion"))
    configured = configurable.invoke("hi", config={"configurable": {"emotion": JOY}})
    assert configured.content == per_call
    assert configured.response_metadata["emotion"] == JOY
    assert configurable.invoke("hi").content == chat.invoke("hi").content  # unconfigured: the default


def test_configurable_model_still_streams_token_by_token(chat: ChatEmotive) -> None:
    configurable = chat.configurable_fields(emotion=ConfigurableField(id="emotion"))
    chunks = list(configurable.stream("hi", config={"configurable": {"emotion": JOY}}))
    # Streamed by `_stream` (text chunks, then the closing chunk), not invoke()'s single message.
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert len(chunks) >= 2 and chunks[-1].chunk_position == "last"
    assert "".join(str(c.content) for c in chunks) == chat.invoke("hi", emotion=JOY).content


def test_lcel_chain(chat: ChatEmotive) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be kind."), ("human", "{question}")])
    chain = prompt | chat.bind(emotion=JOY) | StrOutputParser()
    answer = chain.invoke({"question": "hi"})
    direct = chat.invoke([SystemMessage("Be kind."), HumanMessage("hi")], emotion=JOY)
    assert answer == direct.content


# -- batching ---------------------------------------------------------------------------------------------
def test_batch_with_different_emotions_shares_decode_steps(chat: ChatEmotive, slow: Any) -> None:
    """LangChain's own thread-pool batch: the rows' calls meet in the executor and decode together."""
    configurable = chat.configurable_fields(emotion=ConfigurableField(id="emotion"))
    mixes: list[dict[str, float]] = [{}, JOY, ANGER]
    configs: list[Any] = [{"configurable": {"emotion": mix}} for mix in mixes]
    with SharedSteps(chat.engine) as shared:  # type: ignore[arg-type]
        outputs = configurable.batch(["hi", "hi", "hello"], config=configs)
    assert [o.response_metadata["emotion"] for o in outputs] == mixes
    assert shared.rows > shared.steps, "the rows never shared a decode step"
    singles = [chat.invoke(p, emotion=m).content for p, m in zip(["hi", "hi", "hello"], mixes, strict=True)]
    assert [o.content for o in outputs] == singles
    assert len({o.content for o in outputs}) == 3


def test_batch_of_one_model(chat: ChatEmotive, slow: Any) -> None:
    with SharedSteps(chat.engine) as shared:  # type: ignore[arg-type]
        outputs = chat.batch(["hi", "hello", "hey there"], emotion=JOY)
    assert shared.rows > shared.steps
    assert [o.usage_metadata["output_tokens"] for o in outputs if o.usage_metadata] == [12, 12, 12]
    assert outputs[1].content == chat.invoke("hello", emotion=JOY).content


def test_abatch_shares_decode_steps(chat: ChatEmotive, slow: Any) -> None:
    configurable = chat.configurable_fields(emotion=ConfigurableField(id="emotion"))
    configs: list[Any] = [{"configurable": {"emotion": JOY}}, {"configurable": {"emotion": ANGER}}]
    with SharedSteps(chat.engine) as shared:  # type: ignore[arg-type]
        outputs = asyncio.run(configurable.abatch(["hi", "hi"], config=configs))
    assert shared.rows > shared.steps
    assert [o.content for o in outputs] == [chat.invoke("hi", emotion=m).content for m in (JOY, ANGER)]


def test_batch_return_exceptions_keeps_good_rows(chat: ChatEmotive) -> None:
    bad = [ToolMessage("3", tool_call_id="x")]
    outputs = chat.batch(["hi", bad, "hello"], return_exceptions=True)
    assert isinstance(outputs[0], AIMessage) and isinstance(outputs[2], AIMessage)
    assert isinstance(outputs[1], UnsupportedMessageError)
    with pytest.raises(UnsupportedMessageError):
        chat.batch(["hi", bad])


def test_batch_row_too_long_for_the_context_fails_alone(chat: ChatEmotive) -> None:
    outputs = chat.batch(["hi", "x" * 400], return_exceptions=True)  # the tiny model's context is 256
    assert isinstance(outputs[0], AIMessage) and outputs[0].content == chat.invoke("hi").content
    assert isinstance(outputs[1], Exception) and "context window" in str(outputs[1])  # only row 2 fails


def test_batch_fires_callbacks_per_row(chat: ChatEmotive) -> None:
    class Counter(BaseCallbackHandler):
        def __init__(self) -> None:
            self.starts = 0
            self.ends = 0

        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            self.starts += 1

        def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
            self.ends += 1

    counter = Counter()
    chat.batch(["hi", "hello"], config={"callbacks": [counter]})
    assert (counter.starts, counter.ends) == (2, 2)


# -- stop sequences ---------------------------------------------------------------------------------------
def test_stop_sequences_cut_invoke_and_stream(chat: ChatEmotive, tiny_engine: EmotiveEngine) -> None:
    full = engine_text(tiny_engine, "hi", {}, max_new_tokens=12)
    stop = full[3:5]
    expected = full[: full.index(stop)]
    assert chat.invoke("hi", stop=[stop]).content == expected
    streamed = "".join(str(c.content) for c in chat.stream("hi", stop=[stop]))
    assert streamed == expected
    default_stop = ChatEmotive(engine=tiny_engine, max_tokens=12, stop=[stop])
    message = default_stop.invoke("hi")
    assert message.content == expected
    assert message.response_metadata["finish_reason"] == "stop"


# -- streaming --------------------------------------------------------------------------------------------
def test_stream_sets_usage_and_model_name_once_on_the_last_chunk(chat: ChatEmotive) -> None:
    chunks = list(chat.stream("hi", emotion=JOY))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    with_usage = [i for i, c in enumerate(chunks) if c.usage_metadata]
    with_model = [i for i, c in enumerate(chunks) if c.response_metadata.get("model_name")]
    assert with_usage == with_model == [len(chunks) - 1]
    assert chunks[-1].chunk_position == "last"
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    invoked = chat.invoke("hi", emotion=JOY)
    assert full.content == invoked.content
    assert full.usage_metadata == invoked.usage_metadata
    assert full.response_metadata["emotion"] == JOY


def test_streaming_flag_makes_invoke_emit_tokens(tiny_engine: EmotiveEngine) -> None:
    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            self.tokens.append(token)

    handler = Tokens()
    chat = ChatEmotive(engine=tiny_engine, max_tokens=12, streaming=True)
    message = chat.invoke("hi", config={"callbacks": [handler]})
    assert len([t for t in handler.tokens if t]) > 1
    assert "".join(handler.tokens) == message.content


def test_leaving_a_stream_early_stops_generation(tiny_engine: EmotiveEngine, slow: Any) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=200)
    for _ in chat.stream("hi"):
        break
    time.sleep(0.1)  # a worker that kept going would run ~20 more forward passes meanwhile
    assert slow.calls < 30


def test_timeout_cancels_generation(tiny_engine: EmotiveEngine, slow: Any) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=200, timeout=0.1)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        chat.invoke("hi")
    assert time.monotonic() - started < 1.0  # 200 passes at 5 ms would take at least 1 s
    with pytest.raises(TimeoutError):
        asyncio.run(chat.ainvoke("hi"))


# -- async ------------------------------------------------------------------------------------------------
def test_astream_does_not_block_the_event_loop(tiny_engine: EmotiveEngine, slow: Any) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=20)

    async def main() -> tuple[int, str]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        text = "".join([str(chunk.content) async for chunk in chat.astream("hi")])
        task.cancel()
        return ticks, text

    ticks, text = asyncio.run(main())
    # 20 forward passes at >= 5 ms each: a free loop ticks many times meanwhile, a blocked one never.
    assert ticks >= 20
    assert text == chat.invoke("hi").content


def test_ainvoke_and_astream_match_sync(chat: ChatEmotive) -> None:
    async def main() -> tuple[AIMessage, list[AIMessageChunk]]:
        return await chat.ainvoke("hi", emotion=JOY), [c async for c in chat.astream("hi", emotion=JOY)]

    message, chunks = asyncio.run(main())
    assert message.content == chat.invoke("hi", emotion=JOY).content
    assert "".join(str(c.content) for c in chunks) == message.content
    assert [i for i, c in enumerate(chunks) if c.usage_metadata] == [len(chunks) - 1]


def test_cancelling_ainvoke_stops_generation(tiny_engine: EmotiveEngine, slow: Any) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=200)

    async def main() -> None:
        task = asyncio.create_task(chat.ainvoke("hi"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    time.sleep(0.1)
    assert slow.calls < 40


# -- messages and options that are refused ---------------------------------------------------------------
@pytest.mark.parametrize(
    "messages",
    [
        [HumanMessage("hi"), AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "1"}])],
        [HumanMessage("hi"), ToolMessage("3", tool_call_id="1")],
        [HumanMessage(content=[{"type": "image", "url": "https://example.com/a.png"}])],
        [ChatMessage(role="tool", content="3")],
    ],
    ids=["tool-calls", "tool-message", "image-block", "tool-role"],
)
def test_unsupported_messages_raise_a_clear_error(chat: ChatEmotive, messages: list[Any]) -> None:
    with pytest.raises(UnsupportedMessageError, match="ChatEmotive"):
        chat.invoke(messages)


def test_supported_message_shapes(chat: ChatEmotive) -> None:
    text_blocks = HumanMessage(content=[{"type": "text", "text": "h"}, "i"])
    assert chat.invoke([text_blocks]).content == chat.invoke("hi").content
    assert chat.invoke([ChatMessage(role="user", content="hi")]).content == chat.invoke("hi").content
    doubled = [SystemMessage("a"), SystemMessage("b"), HumanMessage("hi"), HumanMessage("there")]
    assert chat.invoke(doubled).content


def test_unknown_options_and_emotions_are_refused(chat: ChatEmotive, tiny_engine: EmotiveEngine) -> None:
    with pytest.raises(TypeError, match="tools"):
        chat.invoke("hi", tools=[])
    with pytest.raises(UnknownEmotionError):
        chat.invoke("hi", emotion={"boredom": 1.0})
    with pytest.raises(ValidationError):
        ChatEmotive(engine=tiny_engine, emotion={"joy": 50.0})
    with pytest.raises(UnknownEmotionError):
        ChatEmotive(engine=tiny_engine, emotion={"boredom": 1.0})
    with pytest.raises(ValueError, match="ready engine"):
        chat.invoke("hi", model="another-model")


# -- metadata and the engine cache ------------------------------------------------------------------------
def test_ls_params_follow_per_call_values(chat: ChatEmotive) -> None:
    params = chat._get_ls_params(stop=["x"], model="other", temperature=0.5)
    assert params["ls_provider"] == "emotive_agents"
    assert (params["ls_model_name"], params["ls_temperature"], params["ls_stop"]) == ("other", 0.5, ["x"])
    assert chat._get_ls_params()["ls_model_name"] == "tiny-llama"
    assert chat._get_ls_params()["ls_max_tokens"] == 12


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


def test_engines_are_loaded_lazily_once_per_key(fake_loads: list[tuple[Any, ...]]) -> None:
    chat = ChatEmotive(model="m", max_tokens=4)
    assert fake_loads == []  # constructing never loads
    chat.invoke("hi")
    ChatEmotive(model="m", max_tokens=4).invoke("hello", emotion=JOY)
    chat.configurable_fields(emotion=ConfigurableField(id="emotion")).invoke(
        "hi", config={"configurable": {"emotion": JOY}}
    )
    assert fake_loads == [("m", None, "cpu", "float32")]
    ChatEmotive(model="m", vectors="v", max_tokens=4).invoke("hi")
    chat.invoke("hi", model="other")  # a per-call model gets its own engine
    assert fake_loads[1:] == [("m", "v", "cpu", "float32"), ("other", None, "cpu", "float32")]


# -- reply monitoring ---------------------------------------------------------------------------------


def test_every_reply_carries_its_reading(tiny_engine: EmotiveEngine) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=8, reply_reader="vader")
    keys = {"label", "probabilities", "valence"}
    assert set(chat.invoke("hi").response_metadata["reply_reading"]) == keys
    chunks = list(chat.stream("hi"))
    assert set(chunks[-1].response_metadata["reply_reading"]) == keys  # on the closing chunk
    assert "reply_reading" not in chat.invoke("hi", monitor="off").response_metadata


def test_monitor_retry_regenerates_once(tiny_engine: EmotiveEngine) -> None:
    from _planted import PlantedReader

    from emotive_agents.monitor.reading import register_reply_reader

    register_reply_reader("planted-lc", PlantedReader(bad="anger", name="planted-lc"))
    chat = ChatEmotive(engine=tiny_engine, max_tokens=8, reply_reader="planted-lc", emotion={"joy": 0.5})
    reply = chat.invoke("hi", monitor="retry")
    monitor = reply.response_metadata["monitor"]
    assert monitor["retried"] and len(monitor["attempts"]) == 2
    assert reply.content == monitor["attempts"][monitor["chosen"]]["text"]
    streamed = list(chat.stream("hi", monitor="retry"))  # buffered: one chunk with the decided reply
    assert "".join(str(c.content) for c in streamed) == reply.content
