"""What a submitted request gives back: its events (delta, done, error) and its completion.

The loop's refusals (queue full, timeouts, cancellation, closed) are in `emotive_agents.errors`; none carries
an HTTP status (the server maps them).

A `RequestHandle` delivers events through a thread-safe queue and, when the request was submitted from an
event loop, also through an asyncio queue on that loop, so async consumers never block the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from emotive_agents.generation.stopping import FinishReason
from emotive_agents.generation.types import GenerationRequest, GenerationResult, Usage


@dataclass(frozen=True)
class Event:
    """One thing that happened to a request: new text, the end (with usage), or an error."""

    kind: Literal["delta", "done", "error"]
    text: str = ""
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    error: BaseException | None = None
    tokens: tuple[int, ...] = ()  # on "done": the generated token ids (EOS excluded)


@dataclass(frozen=True)
class Completion:
    """A finished request: the whole text (stop sequences cut), why it ended and token counts."""

    text: str
    finish_reason: FinishReason
    usage: Usage
    tokens: tuple[int, ...] = ()

    def to_result(self, request: GenerationRequest, model: str) -> GenerationResult:
        return GenerationResult(
            text=self.text,
            model=model,
            emotion=request.emotion.as_dict(),
            usage=self.usage,
            finish_reason=self.finish_reason,
        )


class RequestHandle:
    """A submitted request: iterate its events (sync or async), wait for its completion, or cancel it."""

    _ids = itertools.count(1)

    def __init__(
        self,
        request: GenerationRequest,
        prompt_ids: list[int],
        deadline: float,
        loop: asyncio.AbstractEventLoop | None,
        *,
        streaming: bool = True,
    ) -> None:
        self.id = next(self._ids)
        self.request = request
        self.prompt_ids = prompt_ids
        self.deadline = deadline
        self.streaming = streaming  # False: no deltas needed before the end (text decoded once)
        self.submitted_at = time.monotonic()
        self.started_at: float | None = None
        self._loop = loop
        self._sync: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._async: asyncio.Queue[Event] | None = asyncio.Queue() if loop is not None else None
        self._cancelled = threading.Event()
        self._closed = False

    @property
    def prompt_tokens(self) -> int:
        return len(self.prompt_ids)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def finished(self) -> bool:
        return self._closed

    def cancel(self) -> None:
        """Ask the executor to drop this row at its next step (thread-safe, idempotent)."""
        self._cancelled.set()

    def _post(self, event: Event) -> None:
        """Called by the executor's thread."""
        if self._closed:
            return
        if event.kind != "delta":
            self._closed = True
        self._sync.put(event)
        if self._async is not None and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens any more
                self._loop.call_soon_threadsafe(self._async.put_nowait, event)

    # -- consuming ---------------------------------------------------------------------------------
    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """Blocking iteration (for threads); ends after the `done` or `error` event.

        `timeout` bounds each wait; past it `queue.Empty` is raised.
        """
        while True:
            event = self._sync.get(timeout=timeout)
            yield event
            if event.kind != "delta":
                return

    async def aevents(self) -> AsyncIterator[Event]:
        """Async iteration on the loop the request was submitted from."""
        if self._async is None:
            raise RuntimeError("this request was not submitted from an event loop")
        while True:
            event = await self._async.get()
            yield event
            if event.kind != "delta":
                return

    async def anext_event(self) -> Event:
        """The next event, awaited on the submitting loop."""
        if self._async is None:
            raise RuntimeError("this request was not submitted from an event loop")
        return await self._async.get()

    @staticmethod
    def _collect(events: Sequence[Event]) -> Completion:
        last = events[-1]
        if last.kind == "error":
            assert last.error is not None
            raise last.error
        assert last.finish_reason is not None and last.usage is not None
        return Completion(last.text, last.finish_reason, last.usage, last.tokens)

    def result(self, timeout: float | None = None) -> Completion:
        """Wait for the completion (raises the request's error)."""
        return self._collect(list(self.events(timeout=timeout)))

    async def aresult(self) -> Completion:
        return self._collect([event async for event in self.aevents()])


@dataclass
class SchedulerStats:
    """Counters for monitoring and tests (how much batching actually happened)."""

    submitted: int = 0
    rejected: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    timed_out: int = 0
    prefills: int = 0
    decode_steps: int = 0
    decoded_rows: int = 0  # sum over decode steps of the batch size
    max_batch: int = 0
    active: int = 0
    waiting: int = 0

    @property
    def mean_batch(self) -> float:
        return self.decoded_rows / self.decode_steps if self.decode_steps else 0.0
