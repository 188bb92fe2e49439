"""The serving layer, shaped like vLLM's OpenAI entrypoint: one request's way from a validated body to
its reply, without HTTP.

`Serving` owns what every generating route shares: prepare (check the model, route, build the generation
request), the escalation step, submit to the continuous-batching scheduler, wait or stream, and reply
monitoring. A `Wire` (one per API and route) only says how a reply is written: OpenAI's SSE chunks,
Ollama's NDJSON lines, one JSON body. Routes (server/routes.py) read the body and hand it here, so the
whole pipeline runs in tests without a socket (`await OpenAIServing(state).create_chat_completion(req)`).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel

from emotive_agents.errors import EmotiveError, RequestTimeoutError
from emotive_agents.server.http_errors import APIError, generation_error, submit_error
from emotive_agents.server.monitoring import monitor_mode, monitored, reply_reading
from emotive_agents.server.prepare import check_model, prepare_generation, request_input
from emotive_agents.server.protocol import EmotiveInfo, MonitorMode, SteeredRequest

if TYPE_CHECKING:
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.server.scheduler import Completion, Event, RequestHandle
    from emotive_agents.server.settings import ServerSettings
    from emotive_agents.server.state import ServerState

Disconnected = Callable[[], Awaitable[bool]]  # e.g. starlette's `request.is_disconnected`
DEADLINE_GRACE_S = 5.0  # the scheduler enforces the deadline; this only guards against a dead worker
DISCONNECT_POLL_S = 0.1


@dataclass
class Stream:
    """A streamed answer: its encoded chunks, media type and headers."""

    chunks: AsyncIterator[str | bytes]
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Turn:
    """A prepared request: what to generate, the `emotive` record so far, and how to answer."""

    request: SteeredRequest
    generation: GenerationRequest
    emotive: EmotiveInfo
    escalation: str | None  # the policy's safe message when a crisis turn escalates
    mode: MonitorMode
    input_param: str  # the request field the prompt came from (`messages` or `prompt`)


class Wire(ABC):
    """How one API writes a reply; every method returns a response model, `encode` its bytes on the wire."""

    media_type: ClassVar[str]
    headers: ClassVar[dict[str, str]] = {}
    terminator: ClassVar[str | bytes | None] = None  # sent after the last chunk (OpenAI's `[DONE]`)

    def opening(self, emotive: EmotiveInfo) -> list[BaseModel]:
        """Chunks before the first text (OpenAI's role chunk, which carries `emotive`)."""
        return []

    @abstractmethod
    def delta(self, text: str) -> BaseModel: ...

    @abstractmethod
    def closing(
        self, completion: Completion, emotive: EmotiveInfo, first_token: float | None
    ) -> list[BaseModel]:
        """The chunks that end a stream: finish reason, usage, `emotive` with the reply's reading."""

    @abstractmethod
    def whole(self, completion: Completion, emotive: EmotiveInfo) -> BaseModel:
        """The body of a non-streamed reply."""

    @abstractmethod
    def error(self, error: APIError) -> BaseModel:
        """An error after the stream started (the status line has gone: it rides in a chunk)."""

    @abstractmethod
    def encode(self, chunk: BaseModel) -> str | bytes: ...


class Serving:
    """The pipeline shared by the OpenAI and Ollama routes over one ServerState."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    @property
    def settings(self) -> ServerSettings:
        return self.state.settings

    # -- the pipeline --------------------------------------------------------------------------------
    async def prepare(self, request: SteeredRequest) -> Turn:
        """Check the model name, then route and build the generation request in a worker thread."""
        check_model(request, self.state)
        messages, prompt, input_param = request_input(request)
        generation, emotive, escalation = await asyncio.to_thread(
            prepare_generation, self.state, request, messages, prompt
        )
        mode = monitor_mode(request.monitor, self.settings.monitor)
        return Turn(request, generation, emotive, escalation, mode, input_param)

    def escalate(self, turn: Turn) -> Completion | None:
        """The escalation step: a crisis turn under an escalating policy is answered with the policy's
        safe message and the model does not generate. None: generate as usual.

        One method, so that a shared turn pipeline (decide, then escalate or steer) can take its place."""
        if turn.escalation is None:
            return None
        from emotive_agents.generation.types import Usage
        from emotive_agents.server.scheduler import Completion

        try:
            prompt_tokens = len(self.state.scheduler.encode(turn.generation))
        except EmotiveError:
            prompt_tokens = 0
        tokenizer = self.state.engine.loaded.tokenizer
        reply_tokens = len(tokenizer(turn.escalation, add_special_tokens=False)["input_ids"])
        usage = Usage(input_tokens=prompt_tokens, output_tokens=reply_tokens)
        return Completion(turn.escalation, "stop", usage)

    def submit(self, turn: Turn) -> RequestHandle:
        """Queue the generation; refusals (queue full, closed, context length...) become APIErrors."""
        try:
            return self.state.scheduler.submit(turn.generation, loop=asyncio.get_running_loop())
        except Exception as exc:
            raise submit_error(exc, turn.input_param) from None

    async def answer(
        self, turn: Turn, wire: Wire, disconnected: Disconnected | None = None
    ) -> BaseModel | Stream:
        """Escalate or generate, monitor the reply, and write it: one body, or a stream of chunks."""
        decided = self.escalate(turn)
        emotive = turn.emotive
        if decided is None:
            handle = self.submit(turn)
            if turn.request.stream and turn.mode != "retry":  # a "retry" stream is buffered: it may be redone
                return Stream(self._live(turn, wire, handle), wire.media_type, dict(wire.headers))
            completion = await self.wait(handle, disconnected)
            decided, emotive = await monitored(self.state, turn.generation, emotive, completion, turn.mode)
        if turn.request.stream:
            return Stream(self._decided(wire, decided, emotive), wire.media_type, dict(wire.headers))
        return wire.whole(decided, emotive)

    async def wait(self, handle: RequestHandle, disconnected: Disconnected | None = None) -> Completion:
        """The completion; a client that disconnects cancels its row. Never waits past the deadline."""
        result = asyncio.ensure_future(handle.aresult())
        try:
            while not result.done():
                remaining = handle.deadline + DEADLINE_GRACE_S - time.monotonic()
                if remaining <= 0:
                    raise APIError(504, "the request timed out", code="timeout")
                await asyncio.wait({result}, timeout=min(DISCONNECT_POLL_S, remaining))
                if not result.done() and disconnected is not None and await disconnected():
                    raise APIError(499, "client disconnected", code="cancelled")
            return result.result()
        except (APIError, asyncio.CancelledError):
            handle.cancel()
            result.cancel()
            raise
        except Exception as exc:
            raise generation_error(exc) from None

    async def events(self, handle: RequestHandle) -> AsyncIterator[Event]:
        """The request's events, ended by a timeout error event if the worker goes silent past the
        deadline (plus grace)."""
        from emotive_agents.server.scheduler import Event

        events = handle.aevents()
        while True:
            remaining = handle.deadline + DEADLINE_GRACE_S - time.monotonic()
            try:
                event = await asyncio.wait_for(events.__anext__(), timeout=max(0.0, remaining))
            except (StopAsyncIteration, asyncio.TimeoutError):
                handle.cancel()
                yield Event("error", error=RequestTimeoutError("the request timed out"))
                return
            yield event
            if event.kind != "delta":
                return

    # -- writing -------------------------------------------------------------------------------------
    async def _live(self, turn: Turn, wire: Wire, handle: RequestHandle) -> AsyncIterator[str | bytes]:
        """Text as it is decoded; the closing chunks carry `emotive` with the reply's reading."""
        from emotive_agents.server.scheduler import Completion

        finished = False
        first_token: float | None = None
        try:
            for chunk in wire.opening(turn.emotive):
                yield wire.encode(chunk)
            async for event in self.events(handle):
                if event.kind == "delta":
                    first_token = first_token or time.monotonic()
                    yield wire.encode(wire.delta(event.text))
                    continue
                finished = True
                if event.kind == "done" and event.finish_reason is not None and event.usage is not None:
                    emotive = await self._read(turn, event.text)
                    completion = Completion(event.text, event.finish_reason, event.usage)
                    for chunk in wire.closing(completion, emotive, first_token):
                        yield wire.encode(chunk)
                else:
                    error = generation_error(
                        event.error or RuntimeError("the request ended without a result")
                    )
                    yield wire.encode(wire.error(error))
            if wire.terminator is not None:
                yield wire.terminator
        finally:
            if not finished:
                handle.cancel()  # the client went away (or timed out): free the row

    async def _decided(
        self, wire: Wire, completion: Completion, emotive: EmotiveInfo
    ) -> AsyncIterator[str | bytes]:
        """A reply decided before it is sent (escalated, or judged by the retry loop), as a stream."""
        for chunk in wire.opening(emotive):
            yield wire.encode(chunk)
        if completion.text:
            yield wire.encode(wire.delta(completion.text))
        for chunk in wire.closing(completion, emotive, None):
            yield wire.encode(chunk)
        if wire.terminator is not None:
            yield wire.terminator

    async def _read(self, turn: Turn, text: str) -> EmotiveInfo:
        """`emotive` with the reading of a streamed reply (nothing to retry: it has been sent)."""
        if turn.mode == "off":
            return turn.emotive
        return turn.emotive.model_copy(update={"reply_reading": await reply_reading(self.state, text)})
