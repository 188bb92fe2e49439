"""EmotiveLLM: a LlamaIndex LLM whose emotional tone is steered with Emotion Vectors.

Chat-native like LlamaIndex's Ollama integration: `chat`, `stream_chat`, `achat` and `astream_chat` run
the engine directly; the completion methods are derived from them with LlamaIndex's own decorators.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    TextBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.llm import LLM

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

# Keyword arguments one call may carry (the model is fixed per EmotiveLLM); anything else is refused.
CALL_OPTIONS = options.CALL_OPTIONS - {"model"}
_ROLES = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
}


class UnsupportedMessageError(EmotiveError, ValueError):
    """A message this local text-only model cannot take (tool results, images, tool calls...)."""


def to_engine_messages(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """System, user and assistant turns of text as engine messages; anything else raises."""
    converted = []
    for message in messages:
        role = _ROLES.get(message.role)
        if role is None:
            raise UnsupportedMessageError(
                f"EmotiveLLM cannot take a {message.role.value!r} message: it has no tool calling"
            )
        if message.additional_kwargs.get("tool_calls"):
            raise UnsupportedMessageError("EmotiveLLM has no tool calling: a message has tool_calls")
        parts = []
        for block in message.blocks:
            if not isinstance(block, TextBlock):
                raise UnsupportedMessageError(
                    f"a {role} message has a {type(block).__name__}; EmotiveLLM takes text only"
                )
            parts.append(block.text)
        converted.append({"role": role, "content": "".join(parts)})
    return converted


class EmotiveLLM(options.IntegrationSettings, LLM):
    """A local LLM with a steerable emotional tone, for LlamaIndex.

    >>> llm = EmotiveLLM(emotion={"calm": 0.8}, max_tokens=80)
    >>> llm.chat([ChatMessage(role="user", content="I lost my keys.")]).message.content
    >>> llm.complete("Write a haiku about rain.", emotion={"sadness": 0.6}).text  # per call

    The engine loads on first use (reading `metadata` loads it too, for the real context window) and is
    shared by every EmotiveLLM with the same model, vectors, device and dtype.
    """

    monitor: MonitorMode = Field(
        default="read",
        description="'read': every reply carries raw['reply_reading']; 'retry': also regenerate once "
        "with an adjusted mix when the reply reads against the request; 'off'.",
    )
    reply_reader: str = Field(default="ensemble", description="Reader of replies (the judge's ensemble).")
    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Seconds one call may take; past it generation is cancelled and TimeoutError raised.",
    )

    _engine: EmotiveEngine | None = PrivateAttr(default=None)

    def __init__(self, *, engine: EmotiveEngine | None = None, **kwargs: Any) -> None:
        if engine is not None:
            kwargs.setdefault("model", engine.model_name)
        super().__init__(**kwargs)
        self._engine = engine
        if engine is not None:
            engine.check_mix(EmotionMix.coerce(self.emotion))

    @classmethod
    def class_name(cls) -> str:
        return "EmotiveLLM"

    @property
    def engine(self) -> EmotiveEngine:
        """The engine serving this LLM (loaded on first use, shared through the cache)."""
        if self._engine is None:
            self._engine = shared_engine(self.model, self.vectors, device=self.device, dtype=self.dtype)
        return self._engine

    @property
    def metadata(self) -> LLMMetadata:
        config = self.engine.loaded.model.config
        return LLMMetadata(
            context_window=int(getattr(config, "max_position_embeddings", 0) or 2048),
            num_output=self.max_tokens,
            is_chat_model=True,
            is_function_calling_model=False,
            model_name=self.model,
        )

    # -- one call --------------------------------------------------------------------------------------
    def _request(self, messages: Sequence[ChatMessage], kwargs: Mapping[str, Any]) -> GenerationRequest:
        options.check_options("EmotiveLLM", kwargs, CALL_OPTIONS)
        emotion, params = options.request_options(self, kwargs)
        return self.engine.request(to_engine_messages(messages), emotion, **params)

    def _mode(self, kwargs: Mapping[str, Any]) -> MonitorMode:
        return check_mode(kwargs.get("monitor", self.monitor))

    def _deadline(self) -> float | None:
        return None if self.timeout is None else time.monotonic() + self.timeout

    @staticmethod
    def _raw(result: GenerationResult, monitored: dict[str, Any] | None = None) -> dict[str, Any]:
        """OpenAI-style usage keys, which LlamaIndex's TokenCountingHandler reads; the reply's reading."""
        usage: dict[str, Any] = {
            "prompt_tokens": result.usage.input_tokens,
            "completion_tokens": result.usage.output_tokens,
            "total_tokens": result.usage.total_tokens,
        }
        if result.usage.trimmed:
            usage["trimmed"] = True
        out = {"model": result.model, "emotion": result.emotion, "finish_reason": result.finish_reason}
        return {**out, "usage": usage, **(monitored or {})}

    def _monitored(
        self, request: GenerationRequest, result: GenerationResult, mode: MonitorMode
    ) -> tuple[GenerationResult, dict[str, Any]]:
        chosen, record = monitor_result(self.engine, request, result, mode, reader=self.reply_reader)
        return chosen, self._raw(chosen, monitor_metadata(record))

    def _response(
        self, request: GenerationRequest, result: GenerationResult, mode: MonitorMode
    ) -> ChatResponse:
        result, raw = self._monitored(request, result, mode)
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=result.text), raw=raw)

    def _submit(self, request: GenerationRequest, deadline: float | None) -> GenerationStream:
        """A row of the engine's executor: concurrent calls share its decode steps."""
        return self.engine.submit(request, deadline=deadline)

    def _run(self, request: GenerationRequest, deadline: float | None) -> GenerationResult:
        """A cancellable single run (past the deadline: cancelled, TimeoutError)."""
        stream = self._submit(request, deadline)
        for _ in stream:
            pass
        assert stream.result is not None
        return stream.result

    # -- chat (native) ---------------------------------------------------------------------------------
    # The public methods carry LlamaIndex's callbacks; the completion methods wrap the undecorated
    # versions, so one call is one LLM event (and token counts are not doubled).
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Responses carry the text so far and the new `delta`; the last one (delta "") has the usage."""
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Generates in a worker thread; the event loop stays free and cancelling stops generation."""
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        return await self._astream_chat(messages, **kwargs)

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request = self._request(messages, kwargs)
        return self._response(request, self._run(request, self._deadline()), self._mode(kwargs))

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._request(messages, kwargs)
        deadline = self._deadline()
        mode = self._mode(kwargs)

        def gen() -> ChatResponseGen:
            if mode == "retry":  # buffered: the reply may be regenerated, so it is sent when decided
                response = self._response(request, self._run(request, deadline), mode)
                text = response.message.content or ""
                if text:
                    yield ChatResponse(message=response.message, delta=text)
                yield ChatResponse(message=response.message, delta="", raw=response.raw)
                return
            stream = self._submit(request, deadline)
            text = ""
            with stream:
                for piece in stream:
                    if piece:
                        text += piece
                        yield ChatResponse(
                            message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=piece
                        )
            assert stream.result is not None
            yield ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
                delta="",
                raw=self._monitored(request, stream.result, mode)[1],
            )

        return gen()

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request = self._request(messages, kwargs)
        deadline = self._deadline()
        stream = self._submit(request, deadline)  # on this loop: events arrive without blocking it
        async for _ in stream:
            pass
        assert stream.result is not None
        return await asyncio.to_thread(self._response, request, stream.result, self._mode(kwargs))

    async def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        request = self._request(messages, kwargs)
        deadline = self._deadline()
        mode = self._mode(kwargs)

        async def gen() -> ChatResponseAsyncGen:
            stream = self._submit(request, deadline)
            text = ""
            buffered = mode == "retry"  # the reply may be regenerated: sent once decided
            with stream:
                async for piece in stream:
                    if piece and not buffered:
                        text += piece
                        yield ChatResponse(
                            message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=piece
                        )
            assert stream.result is not None
            result, raw = await asyncio.to_thread(self._monitored, request, stream.result, mode)
            if buffered and result.text:
                text = result.text
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=text)
            yield ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta="", raw=raw
            )

        return gen()

    # -- completion (derived from chat) ------------------------------------------------------------------
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        return await astream_chat_to_completion_decorator(self._astream_chat)(prompt, **kwargs)
