"""The one decode loop: every generation call (library, integrations, bots, server) is a row in it.

A worker thread owns the model. Each iteration it (1) admits waiting requests while there is room and
prefills the ones admitted together in one left-padded forward, each row with its own steering, merging
their KV caches into the running batch (`kv_batch`); (2) runs ONE forward pass over every active row with
a per-row steering delta (row i gets its own sum of alpha_k * EV_k) and picks one token per row
(`sampling`); (3) streams each row's new text and retires finished, cancelled and timed-out rows
(`stopping`). So concurrent calls share every decode step whatever their mixes, seeds or budgets, and no
call waits for another to finish. This module is the control side (queue, admission, life cycle); the
forwards themselves are in `batch_steps`.
"""

from __future__ import annotations

import asyncio
import atexit
import math
import threading
import time
import weakref
from collections import deque

import torch

from emotive_agents.errors import QueueFullError, SchedulerClosedError
from emotive_agents.generation import prompting
from emotive_agents.generation.batch_steps import BatchSteps, expiry_error
from emotive_agents.generation.events import Event, RequestHandle, SchedulerStats
from emotive_agents.generation.kv_batch import is_mergeable
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.deltas import check_mix
from emotive_agents.vectors.recipe import SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet


class Executor:
    """Owns a model's decode loop: `submit` from any thread or event loop, get a `RequestHandle` back.

    With `autostart` the loop starts on the first submit and its thread exits after `idle_exit_s` without
    work (library use); otherwise `start()`/`stop()` control it (the server's scheduler).
    """

    def __init__(
        self,
        loaded: LoadedModel,
        vector_set: EmotionVectorSet | None = None,
        *,
        recipe: SteeringRecipe | None = None,
        max_batch_size: int = 32,
        max_queue: int | None = None,
        request_timeout_s: float | None = None,
        idle_poll_s: float = 0.25,
        autostart: bool = False,
        idle_exit_s: float | None = None,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self.loaded = loaded
        self.vector_set = vector_set
        self.recipe = recipe or (vector_set.recipe if vector_set is not None else SteeringRecipe())
        self.max_batch_size = max_batch_size
        self.max_queue = max_queue
        self.request_timeout_s = request_timeout_s
        self._idle_poll_s = idle_poll_s
        self._autostart = autostart
        self._idle_exit_s = idle_exit_s
        from transformers import DynamicCache

        self._mergeable = is_mergeable(DynamicCache(config=loaded.model.config))
        self._cv = threading.Condition()
        self._waiting: deque[RequestHandle] = deque()
        self._outstanding = 0  # submitted and not yet finished: queued, being prefilled or decoding
        self._thread: threading.Thread | None = None
        self._running = False
        self._failure: BaseException | None = None
        self.stats = SchedulerStats()
        self._steps = BatchSteps(loaded, vector_set, self.recipe, self.stats, self._release)

    # -- life cycle --------------------------------------------------------------------------------
    def start(self) -> Executor:
        with self._cv:
            self._start_locked()
        return self

    def _start_locked(self) -> None:
        if self._running and self._thread is not None and self._thread.is_alive():
            return
        self._running = True
        self._failure = None
        self._thread = threading.Thread(target=self._loop, name="emotive-executor", daemon=True)
        self._thread.start()
        # A daemon thread still alive in torch at interpreter exit aborts the process ("terminate called
        # without an active exception"): join it first.
        atexit.register(_stop_at_exit, weakref.ref(self))

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop; waiting and running requests end with SchedulerClosedError."""
        with self._cv:
            self._running = False
            thread = self._thread
            self._cv.notify_all()
        if thread is not None:
            thread.join(timeout)
        with self._cv:
            if self._thread is thread:
                self._thread = None

    def __enter__(self) -> Executor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._running and self._thread is not None and self._thread.is_alive()

    @property
    def capacity(self) -> int:
        """Rows decoded together (1 for models whose caches cannot be merged)."""
        return self.max_batch_size if self._mergeable else 1

    def snapshot(self) -> SchedulerStats:
        with self._cv:
            self.stats.active = len(self._steps)
            self.stats.waiting = len(self._waiting)
            return SchedulerStats(**self.stats.__dict__)

    # -- preparing ---------------------------------------------------------------------------------
    def prompt_text(self, request: GenerationRequest) -> str:
        return prompting.prompt_text(self.loaded, request)

    def encode(self, request: GenerationRequest) -> list[int]:
        """The prompt's token ids, checked to be non-empty and to fit the context window."""
        return prompting.encode(self.loaded, request)

    prompt_ids = encode

    # -- submitting --------------------------------------------------------------------------------
    def submit(
        self,
        request: GenerationRequest,
        *,
        prompt_ids: list[int] | None = None,
        timeout_s: float | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        streaming: bool = True,
    ) -> RequestHandle:
        """Queue a request (thread-safe); bad mixes and prompts raise here, on the caller's thread.

        Raises QueueFullError when `max_queue` is set and full, SchedulerClosedError when not running.
        """
        if self.vector_set is not None or not request.emotion.is_neutral:  # a bare model runs neutral mixes
            check_mix(self.vector_set, request.emotion)
        ids = prompt_ids if prompt_ids is not None else self.encode(request)
        timeout = timeout_s if timeout_s is not None else self.request_timeout_s
        deadline = time.monotonic() + timeout if timeout is not None else math.inf
        handle = RequestHandle(request, ids, deadline, loop, streaming=streaming)
        with self._cv:
            if self._autostart:
                self._start_locked()
            if not self.running:
                raise SchedulerClosedError(
                    "the generation scheduler is not running"
                    + (f" (it failed: {self._failure})" if self._failure else "")
                )
            if self.max_queue is not None and self._outstanding >= self.max_batch_size + self.max_queue:
                self.stats.rejected += 1
                raise QueueFullError(
                    f"server is at capacity ({self.max_batch_size} running, {self.max_queue} queued); "
                    "retry shortly"
                )
            self._waiting.append(handle)
            self._outstanding += 1
            self.stats.submitted += 1
            self._cv.notify_all()
        return handle

    # -- the worker --------------------------------------------------------------------------------
    def _loop(self) -> None:
        stopped = True
        try:
            with torch.inference_mode():
                while True:
                    admitted = self._next_admissions()
                    if admitted is None:
                        break
                    if isinstance(admitted, str):  # "idle"
                        stopped = False  # an idle autostarted loop: nothing queued or running
                        return
                    if admitted:
                        self._steps.prefill(admitted)
                    self._steps.expire()
                    if len(self._steps):
                        self._steps.step()
        except BaseException as exc:  # pragma: no cover - a bug; fail loudly to every waiter
            self._failure = exc
            raise
        finally:
            if stopped and self._thread in (None, threading.current_thread()):
                self._shut_down()

    def _shut_down(self) -> None:
        with self._cv:
            self._running = False
            pending = list(self._waiting)
            self._waiting.clear()
            self._outstanding = 0
            rows = self._steps.reset()
        error = SchedulerClosedError("the server is shutting down")
        for handle in pending + rows:
            handle._post(Event("error", error=error))

    def _next_admissions(self) -> list[RequestHandle] | str | None:
        """Requests to prefill now; waits while idle. None when stopped, "idle" when an idle loop ends."""
        idle_since = time.monotonic()
        with self._cv:
            while True:
                if not self._running:
                    return None
                now = time.monotonic()
                expired = [h for h in self._waiting if h.cancelled or h.deadline <= now]
                for handle in expired:
                    self._waiting.remove(handle)
                    self._steps.finish_error(handle, expiry_error(handle, queued=True))
                room = self.capacity - len(self._steps)
                admitted = [self._waiting.popleft() for _ in range(min(room, len(self._waiting)))]
                if admitted or len(self._steps):
                    return admitted
                idle_for = now - idle_since
                if not self._waiting and self._idle_exit_s is not None and idle_for >= self._idle_exit_s:
                    self._running = False
                    self._thread = None
                    return "idle"
                wait = self._idle_poll_s
                if self._waiting:
                    wait = min(wait, max(0.0, min(h.deadline for h in self._waiting) - now))
                self._cv.wait(wait)

    def _release(self) -> None:
        with self._cv:
            self._outstanding = max(0, self._outstanding - 1)


def _stop_at_exit(ref: weakref.ref[Executor]) -> None:
    executor = ref()
    if executor is not None and executor.running:
        executor.stop(timeout=5.0)
