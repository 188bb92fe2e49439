"""ChatEmotive: a LangChain chat model whose emotional tone is steered with Emotion Vectors.

It runs a local model in-process through `EmotiveEngine`. Everything LangChain apps rely on works as for
any other chat model (invoke, stream, async, batch, bind, configurable fields, callbacks, usage metadata);
the one addition is the emotion mix, set on the model, per call (`emotion=`), with `bind(emotion=...)` or
as a configurable field.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables.configurable import RunnableConfigurableFields
from pydantic import Field, model_validator

from emotive_agents.engine import EmotiveEngine
from emotive_agents.errors import EmotiveError
from emotive_agents.generation import options
from emotive_agents.generation.generator import GenerationStream
from emotive_agents.generation.types import GenerationRequest, GenerationResult
from emotive_agents.mix import EmotionMix
from emotive_agents.monitor.engine_loop import metadata as monitor_metadata
from emotive_agents.monitor.engine_loop import monitor_result
from emotive_agents.monitor.loop import MonitorMode, check_mode
from emotive_agents.runtime import shared_engine

# Keyword arguments a single call may carry; `stop` comes as LangChain's own argument and `stream` is
# LangChain's flag. Anything else is rejected rather than silently ignored.
CALL_OPTIONS = options.CALL_OPTIONS - {"stop"}
_ALLOWED = CALL_OPTIONS | {"stream"}
_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
}


class UnsupportedMessageError(EmotiveError, ValueError):
    """A message this local text-only chat model cannot take (tool results, images, tool calls...)."""


def _text_content(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        else:
            kind = block.get("type") if isinstance(block, dict) else type(block).__name__
            raise UnsupportedMessageError(
                f"{type(message).__name__} has a {kind!r} content block; ChatEmotive takes text only"
            )
    return "".join(parts)


def to_engine_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """System, human and AI turns (and ChatMessage with those roles) as engine messages.

    Consecutive turns of one role are passed through as they are: the engine's chat renderer merges them
    only if the model's template refuses them.
    """
    converted: list[dict[str, str]] = []
    for message in messages:
        if isinstance(message, ChatMessage):
            role = _ROLES.get(message.role)
        elif isinstance(message, (SystemMessage, HumanMessage, AIMessage)):
            role = _ROLES[message.type]
        else:
            role = None
        if role is None:
            kind = f"ChatMessage with role {message.role!r}" if isinstance(message, ChatMessage) else None
            raise UnsupportedMessageError(
                f"ChatEmotive cannot take a {kind or type(message).__name__}: it has no tool calling; "
                "use system, human and ai messages"
            )
        if isinstance(message, AIMessage) and message.tool_calls:
            raise UnsupportedMessageError("ChatEmotive has no tool calling: an AIMessage has tool_calls")
        converted.append({"role": role, "content": _text_content(message)})
    return converted


@dataclass(frozen=True)
class _Call:
    """One resolved model call: the engine that serves it and the exact request it makes."""

    engine: EmotiveEngine
    request: GenerationRequest
    deadline: float | None
    monitor: MonitorMode = "read"


class ChatEmotive(options.IntegrationSettings, BaseChatModel):
    """A local chat model with a steerable emotional tone.

    >>> chat = ChatEmotive(emotion={"joy": 0.6}, max_tokens=60)
    >>> chat.invoke("How was your weekend?").content
    >>> chat.invoke("How was your weekend?", emotion={"sadness": 0.8})  # per call
    >>> chat.bind(emotion={"calm": 1.0}).stream("I missed my train.")

    A per-call `emotion` replaces the default mix (`{}` turns steering off); a per-call `model` is served
    by that model's engine with the same `vectors` setting. The engine is loaded on first use and shared
    by every ChatEmotive with the same model, vectors, device and dtype, so creating models (LangChain
    does so per configurable call) costs nothing. Tool calling and structured output are deliberately
    not implemented: a 135M model cannot do them honestly.
    """

    monitor: MonitorMode = Field(
        default="read",
        description="'read': every reply carries response_metadata['reply_reading']; 'retry': also "
        "regenerate once with an adjusted mix when the reply reads against the request; 'off'.",
    )
    reply_reader: str = Field(
        default="ensemble", description="Reader of replies: 'ensemble' (the judge's), 'minilm', 'vader'..."
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Seconds one streamed or single call may take; past it generation is cancelled and "
        "TimeoutError raised; in `batch` the timeout applies to each row.",
    )
    max_retries: int = Field(
        default=0,
        ge=0,
        description="Accepted for drop-in compatibility and not used: a local model has no transient "
        "network failures to retry. Wrap the model with `.with_retry()` if you want retries.",
    )
    # None rather than False: LangChain treats an explicit False as "never stream", and it re-creates
    # models with every field set explicitly for configurable calls.
    streaming: bool | None = Field(
        default=None, description="True: stream internally even for invoke (token callbacks fire)."
    )
    engine: EmotiveEngine | None = Field(
        default=None, exclude=True, repr=False, description="A ready engine (e.g. a custom model)."
    )

    @model_validator(mode="before")
    @classmethod
    def _model_from_engine(cls, data: Any) -> Any:
        """With a ready engine and no model name, report the engine's model name."""
        if isinstance(data, dict) and data.get("engine") is not None and "model" not in data:
            return {**data, "model": data["engine"].model_name}
        return data

    @model_validator(mode="after")
    def _check_against_engine(self) -> ChatEmotive:
        if self.engine is not None:
            self.engine.check_mix(EmotionMix.coerce(self.emotion))
        return self

    # -- LangChain metadata ------------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "emotive-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "vectors": self.vectors,
            "emotion": self.emotion,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "seed": self.seed,
            "stop": self.stop,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="emotive_agents",
            ls_model_name=str(kwargs.get("model") or self.model),
            ls_model_type="chat",
            ls_temperature=kwargs.get("temperature", self.temperature),
            ls_max_tokens=kwargs.get("max_tokens", self.max_tokens),
        )
        if stops := (stop if stop is not None else self.stop):
            params["ls_stop"] = stops
        return params

    # -- resolving a call --------------------------------------------------------------------------
    def _engine_for(self, model: str | None) -> EmotiveEngine:
        """The engine for `model` (default: this chat model's); `vectors` applies to per-call models too."""
        if self.engine is not None:
            if model not in (None, self.model, self.engine.model_name):
                raise ValueError(
                    f"this ChatEmotive wraps a ready engine for {self.engine.model_name!r}; "
                    f"it cannot switch to model {model!r} per call"
                )
            return self.engine
        return shared_engine(model or self.model, self.vectors, device=self.device, dtype=self.dtype)

    def _prepare(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> _Call:
        options.check_options("ChatEmotive", kwargs, _ALLOWED)
        engine = self._engine_for(kwargs.get("model"))
        emotion, params = options.request_options(self, kwargs, stop=stop)
        request = engine.request(to_engine_messages(messages), emotion, **params)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        return _Call(engine, request, deadline, check_mode(kwargs.get("monitor", self.monitor)))

    # -- results as LangChain objects --------------------------------------------------------------
    @staticmethod
    def _usage(result: GenerationResult) -> UsageMetadata:
        return UsageMetadata(
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            total_tokens=result.usage.total_tokens,
        )

    @staticmethod
    def _metadata(result: GenerationResult, monitored: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model_name": result.model,
            "finish_reason": result.finish_reason,
            "emotion": result.emotion,
        }
        if result.usage.trimmed:
            out["trimmed"] = True
        return {**out, **(monitored or {})}

    def _monitored(self, call: _Call, result: GenerationResult) -> tuple[GenerationResult, dict[str, Any]]:
        """The reply after the monitor (maybe a retry) and its metadata (reply_reading, monitor)."""
        chosen, record = monitor_result(
            call.engine, call.request, result, call.monitor, reader=self.reply_reader
        )
        return chosen, monitor_metadata(record)

    def _chat_result(self, call: _Call, result: GenerationResult) -> ChatResult:
        result, monitored = self._monitored(call, result)
        message = AIMessage(
            content=result.text,
            usage_metadata=self._usage(result),
            response_metadata=self._metadata(result, monitored),
        )
        return ChatResult(
            generations=[ChatGeneration(message=message)], llm_output={"model_name": result.model}
        )

    def _closing_chunk(self, call: _Call, result: GenerationResult, *, streamed: bool) -> ChatGenerationChunk:
        """The last chunk of a stream: the only one with usage and response metadata (they add up).

        When the reply was not `streamed` already, this chunk carries all of it, after the monitor.
        """
        result, monitored = self._monitored(call, result)
        text = "" if streamed else result.text
        message = AIMessageChunk(
            content=text,
            usage_metadata=self._usage(result),
            response_metadata=self._metadata(result, monitored),
            chunk_position="last",
        )
        return ChatGenerationChunk(message=message)

    # -- generating --------------------------------------------------------------------------------
    # Every call is a row of the engine's executor: concurrent calls (LangChain's thread-pool `batch`,
    # `abatch`'s tasks, other threads) share its decode steps whatever their mixes or sampling settings.
    @staticmethod
    def _submit(call: _Call) -> GenerationStream:
        return call.engine.submit(call.request, deadline=call.deadline)

    def _run(self, call: _Call) -> GenerationResult:
        stream = self._submit(call)
        for _ in stream:
            pass
        assert stream.result is not None
        return stream.result

    async def _arun(self, call: _Call) -> GenerationResult:
        stream = self._submit(call)  # on this loop: its events arrive without blocking it
        async for _ in stream:
            pass  # cancelling the awaiting task cancels the row
        assert stream.result is not None
        return stream.result

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(messages, stop, kwargs)
        return self._chat_result(call, self._run(call))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._prepare(messages, stop, kwargs)
        if call.monitor == "retry":  # buffered: the reply may be regenerated, so it is sent when decided
            yield self._closing_chunk(call, self._run(call), streamed=False)
            return
        stream = self._submit(call)
        with stream:
            for piece in stream:
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        assert stream.result is not None
        yield self._closing_chunk(call, stream.result, streamed=True)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._prepare(messages, stop, kwargs)
        if call.monitor == "retry":  # buffered: the reply may be regenerated
            result = await self._arun(call)
            yield await asyncio.to_thread(self._closing_chunk, call, result, streamed=False)
            return
        stream = self._submit(call)
        with stream:
            async for piece in stream:
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        assert stream.result is not None
        yield await asyncio.to_thread(self._closing_chunk, call, stream.result, streamed=True)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(messages, stop, kwargs)
        result = await self._arun(call)
        return await asyncio.to_thread(self._chat_result, call, result)


# LangChain's own configurable fields: batches need no special path any more (see `_submit`).
EmotiveConfigurableFields = RunnableConfigurableFields
