"""The one decode loop: every generation call (library, integrations, bots, server) is a row in it.

A worker thread owns the model. Each iteration it (1) admits waiting requests while there is room: each is
prefilled alone with its own steering, exactly as a solo request would be, and its KV cache is merged into
the running batch (`kv_batch`); (2) runs ONE forward pass over every active row with a per-row steering
delta (row i gets its own sum of alpha_k * EV_k) and picks one token per row (`sampling`); (3) streams each
row's new text and retires finished, cancelled and timed-out rows (`stopping`). So concurrent calls share
every decode step whatever their mixes, seeds or budgets, and no call waits for another to finish.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import math
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any

import torch

from emotive_agents.errors import (
    EmotiveError,
    GenerationError,
    QueueFullError,
    QueueTimeoutError,
    RequestCancelledError,
    RequestTimeoutError,
    SchedulerClosedError,
    SchedulerError,
)
from emotive_agents.generation import prompting
from emotive_agents.generation.events import Event, RequestHandle, SchedulerStats
from emotive_agents.generation.kv_batch import KVBatch, is_mergeable, left_padded, stack_deltas
from emotive_agents.generation.prompting import special_ids
from emotive_agents.generation.sampling import RowSampler, sample_rows
from emotive_agents.generation.stopping import RowText
from emotive_agents.generation.types import GenerationRequest, Usage
from emotive_agents.models.loading import LoadedModel
from emotive_agents.steering.hooks import Steering
from emotive_agents.vectors.deltas import check_mix, row_delta
from emotive_agents.vectors.recipe import PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet


def _failed(exc: BaseException) -> GenerationError:
    """A model error as the request's GenerationError (the original kept as its cause)."""
    error = GenerationError(f"generation failed: {exc}")
    error.__cause__ = exc
    return error


@dataclass
class _Row:
    handle: RequestHandle
    sampler: RowSampler
    text: RowText
    delta: torch.Tensor | None  # [steered layers, hidden]; None when the mix steers nothing


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
        ids = special_ids(loaded)
        self._eos_ids, self._end_ids, self._pad_id = ids.eos, ids.end, ids.pad
        self._layers: tuple[int, ...] = (
            tuple(self.recipe.layer_indices(loaded.num_layers)) if vector_set is not None else ()
        )
        # Decode forwards have one token per row: every position rule steers it, so "all" is exact.
        self._decode_recipe = self.recipe.model_copy(update={"positions": PositionRule.ALL})
        from transformers import DynamicCache

        self._mergeable = is_mergeable(DynamicCache(config=loaded.model.config))
        self._cv = threading.Condition()
        self._waiting: deque[RequestHandle] = deque()
        self._outstanding = 0  # submitted and not yet finished: queued, being prefilled or decoding
        self._batch: KVBatch[_Row] = KVBatch()
        self._thread: threading.Thread | None = None
        self._running = False
        self._failure: BaseException | None = None
        self.stats = SchedulerStats()

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
            self.stats.active = len(self._batch)
            self.stats.waiting = len(self._waiting)
            return SchedulerStats(**self.stats.__dict__)

    # -- preparing ---------------------------------------------------------------------------------
    def prompt_text(self, request: GenerationRequest) -> str:
        return prompting.prompt_text(self.loaded, request)

    def encode(self, request: GenerationRequest) -> list[int]:
        """The prompt's token ids, checked to be non-empty and to fit the context window."""
        return prompting.encode(self.loaded, request)

    prompt_ids = encode

    def _row(self, handle: RequestHandle) -> _Row:
        """The row's sampler, text tracker and steering delta (the mix is checked here, once)."""
        request = handle.request
        parameter = next(self.loaded.model.parameters())
        delta = row_delta(
            self.vector_set, request.emotion, self._layers, dtype=parameter.dtype, device=parameter.device
        )
        text = RowText(self.loaded.tokenizer, request.params, self._end_ids, streaming=handle.streaming)
        return _Row(handle, RowSampler(request.params, self._eos_ids), text, delta)

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
                        self._prefill(admitted)
                    self._expire_active()
                    if len(self._batch):
                        self._decode_step()
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
            rows = [row.handle for row in self._batch.rows]
            self._batch = KVBatch()
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
                    self._finish_error(handle, self._expiry_error(handle, queued=True))
                room = self.capacity - len(self._batch)
                admitted = [self._waiting.popleft() for _ in range(min(room, len(self._waiting)))]
                if admitted or len(self._batch):
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

    def _expiry_error(self, handle: RequestHandle, *, queued: bool) -> SchedulerError:
        if handle.cancelled:
            return RequestCancelledError("the request was cancelled")
        if queued:
            return QueueTimeoutError(
                "the request waited longer than its timeout without a free batch slot; retry later"
            )
        return RequestTimeoutError("the request did not finish within its timeout and was stopped")

    def _release(self) -> None:
        with self._cv:
            self._outstanding = max(0, self._outstanding - 1)

    def _finish_error(self, handle: RequestHandle, error: BaseException) -> None:
        self._release()
        if isinstance(error, RequestCancelledError):
            self.stats.cancelled += 1
        elif isinstance(error, (QueueTimeoutError, RequestTimeoutError)):
            self.stats.timed_out += 1
        else:
            self.stats.failed += 1
        handle._post(Event("error", error=error))

    def _prefill(self, handles: list[RequestHandle]) -> None:
        """Prefill the rows admitted together in one left-padded forward (each with its own steering),
        sample their first tokens, then merge them into the running batch."""
        from transformers import DynamicCache

        rows: list[_Row] = []
        for handle in handles:
            handle.started_at = time.monotonic()
            try:
                rows.append(self._row(handle))
            except EmotiveError as exc:
                self._finish_error(handle, exc)
            except Exception as exc:
                self._finish_error(handle, _failed(exc))
        if not rows:
            return
        model, device = self.loaded.model, self.loaded.device
        ids, mask = left_padded([row.handle.prompt_ids for row in rows], self._pad_id, device)
        width = ids.shape[1]
        try:
            cache = DynamicCache(config=model.config)
            steering: Any = contextlib.nullcontext()
            deltas = stack_deltas([row.delta for row in rows], self._layers)
            if deltas is not None:
                # Left padding ends every prompt at column `width`: the position rules see one prompt length.
                steering = Steering(model, self.loaded.layout, deltas, self.recipe, prompt_length=width)
            with steering:
                output = model(
                    input_ids=ids,
                    attention_mask=mask,
                    position_ids=(mask.cumsum(-1) - 1).clamp_min(0),
                    cache=cache,
                    use_cache=True,
                    logits_to_keep=1,
                )
            self.stats.prefills += len(rows)
            cache = output.cache if getattr(output, "cache", None) is not None else cache
            histories = [[] if row.sampler.greedy_plain else row.handle.prompt_ids for row in rows]
            tokens = sample_rows(output.logits[:, -1], [row.sampler for row in rows], histories)
        except Exception as exc:
            error = exc if isinstance(exc, EmotiveError) else _failed(exc)
            for row in rows:
                self._finish_error(row.handle, error)
            return
        keep = [
            i
            for i, (row, token) in enumerate(zip(rows, tokens, strict=True))
            if not self._advance(row, token)
        ]
        if keep:
            self._batch.add(
                [rows[i] for i in keep],
                cache,
                mask,
                [tokens[i] for i in keep],
                [rows[i].delta for i in keep],
                keep=keep,
            )
            self.stats.max_batch = max(self.stats.max_batch, len(self._batch))

    def _expire_active(self) -> None:
        now = time.monotonic()
        keep = []
        for i, row in enumerate(self._batch.rows):
            if row.handle.cancelled or row.handle.deadline <= now:
                self._finish_error(row.handle, self._expiry_error(row.handle, queued=False))
            else:
                keep.append(i)
        self._batch.keep(keep)

    def _decode_step(self) -> None:
        """One forward over all active rows, one token each; retire the rows that finished."""
        batch = self._batch
        try:
            deltas = batch.deltas(self._layers)
            steering: Any = contextlib.nullcontext()
            if deltas is not None:
                steering = Steering(self.loaded.model, self.loaded.layout, deltas, self._decode_recipe)
            with steering:
                output = self.loaded.model(**batch.step_inputs())
            logits = output.logits[:, -1]
            histories = [
                [] if row.sampler.greedy_plain else [*row.handle.prompt_ids, *row.text.tokens]
                for row in batch.rows
            ]
            tokens = sample_rows(logits, [row.sampler for row in batch.rows], histories)
        except Exception as exc:
            error = _failed(exc)
            for row in batch.rows:
                self._finish_error(row.handle, error)
            self._batch = KVBatch()
            return
        self.stats.decode_steps += 1
        self.stats.decoded_rows += len(batch)
        batch.advance(tokens)
        rows = zip(batch.rows, tokens, strict=True)
        keep = [i for i, (row, token) in enumerate(rows) if not self._advance(row, token)]
        batch.keep(keep)

    def _advance(self, row: _Row, token: int) -> bool:
        """Add a sampled token to a row, stream new text; True when the row is finished."""
        step = row.text.advance(token)
        if step.delta:
            row.handle._post(Event("delta", text=step.delta))
        if step.finish_reason is None:
            return False
        usage = Usage(
            input_tokens=row.handle.prompt_tokens, output_tokens=len(row.text.tokens), trimmed=step.trimmed
        )
        self._release()
        done = Event(
            "done",
            text=row.text.text,
            finish_reason=step.finish_reason,
            usage=usage,
            tokens=tuple(row.text.tokens),
        )
        row.handle._post(done)
        self.stats.completed += 1
        return True


def _stop_at_exit(ref: weakref.ref[Executor]) -> None:
    executor = ref()
    if executor is not None and executor.running:
        executor.stop(timeout=5.0)
