"""The generation front door: batches, streams and token ids, all decoded by the one `Executor`.

`Generator` keeps the engine's historical API (`generate`, `stream`, `generate_ids`, `prompt_text`) and
submits every request to its executor, so rows of one call and concurrent calls from other threads share
decode steps. `GenerationStream` turns a request's events into text chunks, sync or async.
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from emotive_agents.generation.events import Completion, Event, RequestHandle
from emotive_agents.generation.executor import Executor
from emotive_agents.generation.stopping import first_stop
from emotive_agents.generation.types import GenerationRequest, GenerationResult
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.recipe import SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet

__all__ = ["GenerationStream", "Generator", "first_stop"]

DEFAULT_MAX_BATCH = 32  # rows decoded together; above it requests wait for a free row


class Generator:
    """Submits requests to one executor per model; results keep the order of the requests."""

    def __init__(
        self,
        loaded: LoadedModel,
        vector_set: EmotionVectorSet | None = None,
        *,
        recipe: SteeringRecipe | None = None,
        max_batch_size: int = DEFAULT_MAX_BATCH,
        executor: Executor | None = None,
    ) -> None:
        self.loaded = loaded
        self.vector_set = vector_set
        self.recipe = recipe
        self.max_batch_size = max_batch_size
        self.executor = executor or Executor(
            loaded,
            vector_set,
            recipe=recipe,
            max_batch_size=max_batch_size,
            autostart=True,
            idle_exit_s=2.0,
        )

    def prompt_text(self, request: GenerationRequest) -> str:
        return self.executor.prompt_text(request)

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        """The prompt's token ids, checked to be non-empty and to fit the context window."""
        return self.executor.encode(request)

    def submit_all(
        self, requests: Sequence[GenerationRequest], *, streaming: bool = False
    ) -> list[RequestHandle]:
        """Submit every request or none: if one is refused, the ones already queued are cancelled."""
        handles: list[RequestHandle] = []
        try:
            for request in requests:
                handles.append(self.executor.submit(request, streaming=streaming))
        except BaseException:
            for handle in handles:
                handle.cancel()
            raise
        return handles

    def completions(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Completions in request order; the first failed row's error is raised after all rows end."""
        handles = self.submit_all(requests)
        outcomes: list[Completion | BaseException] = []
        for handle in handles:
            try:
                outcomes.append(handle.result())
            except Exception as exc:
                outcomes.append(exc)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [o for o in outcomes if isinstance(o, Completion)]

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Answer requests in order; every row (any mix, seed or budget) shares the decode steps."""
        completions = self.completions(requests)
        return [c.to_result(r, self.loaded.name) for c, r in zip(completions, requests, strict=True)]

    def generate_ids(self, requests: Sequence[GenerationRequest]) -> list[tuple[list[int], list[int]]]:
        """(prompt ids, response ids up to EOS) per request, for activation extraction."""
        prompts = [self.prompt_ids(r) for r in requests]
        return [(p, list(c.tokens)) for p, c in zip(prompts, self.completions(requests), strict=True)]

    def stream(self, request: GenerationRequest, *, deadline: float | None = None) -> GenerationStream:
        return GenerationStream(self, request, deadline=deadline)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class GenerationStream:
    """Text chunks of one request as they are decoded; `result` holds the GenerationResult once done.

    Iterate it (blocking) or `async for` it when it was created on an event loop. `close()` cancels the
    request (e.g. the client went away). Past `deadline` (time.monotonic) the request is cancelled and
    TimeoutError raised.
    """

    def __init__(
        self,
        generator: Generator,
        request: GenerationRequest,
        timeout: float = 600.0,
        *,
        deadline: float | None = None,
    ) -> None:
        self._generator = generator
        self._request = request
        self._timeout = timeout
        self._deadline = deadline
        self.handle = generator.executor.submit(request, loop=_running_loop())
        self.result: GenerationResult | None = None

    def _remaining(self) -> float:
        if self._deadline is None:
            return self._timeout
        return max(0.0, min(self._timeout, self._deadline - time.monotonic()))

    def _timed_out(self) -> TimeoutError:
        self.handle.cancel()
        return TimeoutError("generation took longer than its timeout and was cancelled")

    def _take(self, event: Event) -> str | None:
        """The delta text of an event; None at the end (sets `result`); raises the request's error."""
        if event.kind == "delta":
            return event.text
        if event.kind == "error":
            assert event.error is not None
            raise event.error
        assert event.finish_reason is not None and event.usage is not None
        completion = Completion(event.text, event.finish_reason, event.usage, event.tokens)
        self.result = completion.to_result(self._request, self._generator.loaded.name)
        return None

    def __iter__(self) -> Iterator[str]:
        try:
            while True:
                try:
                    event = self.handle._sync.get(timeout=self._remaining())
                except queue.Empty:
                    raise self._timed_out() from None
                if (piece := self._take(event)) is None:
                    return
                if piece:
                    yield piece
        finally:
            self.close()

    async def _anext(self) -> Event:
        """The next event, or TimeoutError past the deadline.

        Not `asyncio.wait_for`: before Python 3.12 it can swallow a cancellation that arrives as the
        event does, and the row would then decode on for nobody.
        """
        getter = asyncio.ensure_future(self.handle.anext_event())
        try:
            done, _ = await asyncio.wait({getter}, timeout=self._remaining())
        except BaseException:
            getter.cancel()
            raise
        if not done:
            getter.cancel()
            raise self._timed_out()
        return getter.result()

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            while True:
                event = await self._anext()
                if (piece := self._take(event)) is None:
                    return
                if piece:
                    yield piece
        finally:
            self.close()

    def close(self) -> None:
        """Stop generating if still running (idempotent; a no-op once finished)."""
        if not self.handle.finished:
            self.handle.cancel()

    def __enter__(self) -> GenerationStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
