"""The server's scheduler: the one decode loop (`generation.executor`) with a queue bound and timeouts.

Continuous batching lives in `emotive_agents.generation` (the loop, the KV batch and sampling); this module
keeps the interface the server was written against: `Scheduler(engine, ...)`, `submit`, `encode`,
`snapshot`, `RequestHandle` and its events, and the loop's error types (from `emotive_agents.errors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents.errors import (
    ContextLengthError,
    QueueFullError,
    QueueTimeoutError,
    RequestCancelledError,
    RequestTimeoutError,
    SchedulerClosedError,
    SchedulerError,
)
from emotive_agents.generation.events import Completion, Event, RequestHandle, SchedulerStats
from emotive_agents.generation.executor import Executor
from emotive_agents.generation.stopping import FinishReason

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine

__all__ = [
    "Completion",
    "ContextLengthError",
    "Event",
    "FinishReason",
    "QueueFullError",
    "QueueTimeoutError",
    "RequestCancelledError",
    "RequestHandle",
    "RequestTimeoutError",
    "Scheduler",
    "SchedulerClosedError",
    "SchedulerError",
    "SchedulerStats",
]


class Scheduler(Executor):
    """The engine's executor settings for serving: a bounded queue, per-request timeouts, explicit start/stop.

    >>> scheduler = Scheduler(engine, max_batch_size=8).start()
    >>> handle = scheduler.submit(engine.request("Hi!", {"joy": 0.6}, max_new_tokens=32))
    >>> handle.result().text
    >>> scheduler.stop()
    """

    def __init__(
        self,
        engine: EmotiveEngine,
        *,
        max_batch_size: int = 16,
        max_queue: int = 64,
        request_timeout_s: float = 120.0,
        idle_poll_s: float = 0.25,
    ) -> None:
        super().__init__(
            engine.loaded,
            engine.vector_set,
            recipe=engine.recipe,
            max_batch_size=max_batch_size,
            max_queue=max_queue,
            request_timeout_s=request_timeout_s,
            idle_poll_s=idle_poll_s,
        )
        self.engine = engine

    def start(self) -> Scheduler:
        super().start()
        return self

    def __enter__(self) -> Scheduler:
        return self.start()
