"""Continuous batching: one decode loop over the model, rows with different emotion mixes join and leave.

A worker thread owns the model. Each iteration it (1) admits waiting requests while there is room: each
is prefilled alone with its own steering, exactly as a solo request would be, and its KV cache is merged
into the running batch; (2) runs ONE forward pass over every active row, with a per-row steering delta
(row i gets its own Σ α_k·EV_k), and samples one token per row; (3) streams each row's new text and
retires finished, cancelled and timed-out rows. So requests with different mixes share every decode step,
and a request never waits for a whole batch to finish.

KV merge: each row keeps its real tokens right-aligned in one batched `DynamicCache`; shorter rows are
left-padded with masked zeros and get explicit `position_ids` (their own token count), so a row computes
the same attention as alone. Columns that no row needs any more are trimmed when rows leave.
Models whose cache is not a plain per-layer `DynamicLayer` (sliding windows, linear attention) cannot
be merged this way; they run one row at a time through the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import queue
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import torch

from emotive_agents.errors import (
    ContextLengthError,
    GenerationError,
    QueueFullError,
    QueueTimeoutError,
    RequestCancelledError,
    RequestTimeoutError,
    SchedulerClosedError,
    SchedulerError,
)
from emotive_agents.generation.generator import first_stop
from emotive_agents.generation.repetition import apply_repetition_controls
from emotive_agents.generation.sentences import ends_sentence, streamable_prefix, trim_to_sentence
from emotive_agents.generation.types import GenerationRequest, SamplingParams, Usage
from emotive_agents.steering.hooks import Steering, layer_deltas, steer
from emotive_agents.steering.mix import EmotionMix
from emotive_agents.vectors.recipe import PositionRule

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine


# The loop's refusals live in emotive_agents.errors (no HTTP status: the server maps them); the names
# stay importable from here. A prompt too long is errors.ContextLengthError itself, not a look-alike.
__all__ = [
    "Completion",
    "ContextLengthError",
    "Event",
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


FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class Event:
    """One thing that happened to a request: new text, the end (with usage), or an error."""

    kind: Literal["delta", "done", "error"]
    text: str = ""
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class Completion:
    """A finished request: the whole text (stop sequences cut), why it ended and token counts."""

    text: str
    finish_reason: FinishReason
    usage: Usage


class RequestHandle:
    """A submitted request: iterate its events (sync or async), wait for its completion, or cancel it.

    Events are delivered through a thread-safe queue; when the request was submitted from an event loop,
    also through an asyncio queue on that loop, so async consumers never block the loop.
    """

    _ids = itertools.count(1)

    def __init__(
        self,
        request: GenerationRequest,
        prompt_ids: list[int],
        deadline: float,
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        self.id = next(self._ids)
        self.request = request
        self.prompt_ids = prompt_ids
        self.deadline = deadline
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

    def cancel(self) -> None:
        """Ask the worker to drop this row at its next step (thread-safe, idempotent)."""
        self._cancelled.set()

    def _post(self, event: Event) -> None:
        """Called by the worker thread."""
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
        """Blocking iteration (for threads); ends after the `done` or `error` event."""
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

    @staticmethod
    def _collect(events: Sequence[Event]) -> Completion:
        last = events[-1]
        if last.kind == "error":
            assert last.error is not None
            raise last.error
        assert last.finish_reason is not None and last.usage is not None
        return Completion(text=last.text, finish_reason=last.finish_reason, usage=last.usage)

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


@dataclass
class _Row:
    handle: RequestHandle
    params: SamplingParams
    delta: torch.Tensor | None  # [steered layers, hidden]; None when the mix is neutral
    generator: torch.Generator | None
    tokens: list[int] = field(default_factory=list)
    text: str = ""
    sent: int = 0  # characters already streamed


class _KVBatch:
    """The running rows and their merged KV cache (right-aligned, left-padded, masked)."""

    def __init__(self) -> None:
        self.rows: list[_Row] = []
        self.cache: Any = None  # DynamicCache
        self.mask: torch.Tensor | None = None  # [B, L] long
        self.positions: torch.Tensor | None = None  # [B] next position id per row
        self.last: torch.Tensor | None = None  # [B] last sampled token per row
        self.deltas: dict[int, torch.Tensor] | None = None  # per layer [B, hidden], rebuilt on change
        self.dirty = True

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def length(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[1])

    def add(self, row: _Row, cache: Any, length: int, token: int) -> None:
        """Merge a prefilled row (its own cache of `length` tokens) into the batch."""
        device = cache.layers[0].keys.device
        one_mask = torch.ones((1, length), dtype=torch.long, device=device)
        if not self.rows:
            self.cache, self.mask = cache, one_mask
            self.positions = torch.tensor([length], device=device)
            self.last = torch.tensor([token], device=device)
        else:
            assert self.mask is not None and self.positions is not None and self.last is not None
            width = max(self.length, length)
            pad_batch, pad_row = width - self.length, width - length
            for mine, theirs in zip(self.cache.layers, cache.layers, strict=True):
                mine.keys = torch.cat((_left_pad(mine.keys, pad_batch), _left_pad(theirs.keys, pad_row)))
                mine.values = torch.cat(
                    (_left_pad(mine.values, pad_batch), _left_pad(theirs.values, pad_row))
                )
            self.mask = torch.cat(
                (
                    torch.nn.functional.pad(self.mask, (pad_batch, 0)),
                    torch.nn.functional.pad(one_mask, (pad_row, 0)),
                )
            )
            self.positions = torch.cat((self.positions, torch.tensor([length], device=device)))
            self.last = torch.cat((self.last, torch.tensor([token], device=device)))
        self.rows.append(row)
        self.dirty = True

    def keep(self, keep: list[int]) -> None:
        """Drop every row not in `keep` (indices), then trim columns no remaining row attends to."""
        if len(keep) == len(self.rows):
            return
        self.rows = [self.rows[i] for i in keep]
        self.dirty = True
        if not self.rows:
            self.cache = self.mask = self.positions = self.last = None
            return
        assert self.mask is not None and self.positions is not None and self.last is not None
        index = torch.tensor(keep, device=self.mask.device)
        mask = self.mask.index_select(0, index)
        start = int(mask.any(dim=0).long().argmax())  # first column some row still uses
        self.mask = mask[:, start:]
        for layer in self.cache.layers:
            layer.keys = layer.keys.index_select(0, index)[:, :, start:]
            layer.values = layer.values.index_select(0, index)[:, :, start:]
        self.positions = self.positions.index_select(0, index)
        self.last = self.last.index_select(0, index)


def _left_pad(tensor: torch.Tensor, amount: int) -> torch.Tensor:
    """Pad [B, H, L, D] with `amount` zero columns on the left of L."""
    if amount == 0:
        return tensor
    return torch.nn.functional.pad(tensor, (0, 0, amount, 0))


def _sample(logits: torch.Tensor, row: _Row) -> int:
    """Greedy at temperature 0; else temperature, top-k, top-p (as transformers' warpers) and a draw."""
    params = row.params
    if params.repetition_penalty != 1.0 or params.no_repeat_ngram_size:
        logits = apply_repetition_controls(
            logits,
            [*row.handle.prompt_ids, *row.tokens],
            penalty=params.repetition_penalty,
            no_repeat_ngram_size=params.no_repeat_ngram_size,
        )
    if params.temperature <= 0:
        return int(logits.argmax())
    scores = logits.float().cpu() / params.temperature  # row generators live on the CPU
    if params.top_k is not None and params.top_k < scores.shape[-1]:
        threshold = torch.topk(scores, params.top_k).values[-1]
        scores = scores.masked_fill(scores < threshold, -math.inf)
    if params.top_p < 1.0:
        sorted_scores, order = torch.sort(scores, descending=False)
        cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
        remove = cumulative <= (1 - params.top_p)
        remove[-1:] = False  # keep at least one token
        scores = scores.masked_fill(remove.scatter(0, order, remove), -math.inf)
    probs = scores.softmax(dim=-1)
    return int(torch.multinomial(probs, 1, generator=row.generator))


class Scheduler:
    """Owns the model's decode loop: submit requests from any thread, get a `RequestHandle` back.

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
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self.engine = engine
        self.loaded = engine.loaded
        self.max_batch_size = max_batch_size
        self.max_queue = max_queue
        self.request_timeout_s = request_timeout_s
        self._idle_poll_s = idle_poll_s
        tokenizer = self.loaded.tokenizer
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        eos = self.loaded.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tokenizer.eos_token_id is not None:
            eos_ids.add(tokenizer.eos_token_id)
        self._end_ids = frozenset({*eos_ids, *([pad] if pad is not None else [])})
        self._layers: tuple[int, ...] = (
            engine.recipe.layer_indices(self.loaded.num_layers) if engine.vector_set is not None else ()
        )
        # Decode forwards have one token per row: every position rule steers it, so "all" is exact.
        self._decode_recipe = engine.recipe.model_copy(update={"positions": PositionRule.ALL})
        from transformers import DynamicCache

        self._mergeable = _is_mergeable(DynamicCache(config=self.loaded.model.config))
        self._cv = threading.Condition()
        self._waiting: deque[RequestHandle] = deque()
        self._outstanding = 0  # submitted and not yet finished: queued, being prefilled or decoding
        self._batch = _KVBatch()
        self._thread: threading.Thread | None = None
        self._running = False
        self._failure: BaseException | None = None
        self.stats = SchedulerStats()

    # -- life cycle --------------------------------------------------------------------------------
    def start(self) -> Scheduler:
        with self._cv:
            if self._running:
                return self
            self._running = True
            self._failure = None
        self._thread = threading.Thread(target=self._loop, name="emotive-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop; waiting and running requests end with SchedulerClosedError."""
        with self._cv:
            self._running = False
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> Scheduler:
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

    # -- submitting --------------------------------------------------------------------------------
    def encode(self, request: GenerationRequest) -> list[int]:
        """Prompt token ids, checked against the context window (raises ContextLengthError)."""
        return self.engine.generator.prompt_ids(request)

    def submit(
        self,
        request: GenerationRequest,
        *,
        prompt_ids: list[int] | None = None,
        timeout_s: float | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> RequestHandle:
        """Queue a request (thread-safe). Raises QueueFullError or SchedulerClosedError."""
        self.engine.check_mix(request.emotion)
        ids = prompt_ids if prompt_ids is not None else self.encode(request)
        timeout = timeout_s if timeout_s is not None else self.request_timeout_s
        handle = RequestHandle(request, ids, time.monotonic() + timeout, loop)
        with self._cv:
            if not self.running:
                raise SchedulerClosedError(
                    "the generation scheduler is not running"
                    + (f" (it failed: {self._failure})" if self._failure else "")
                )
            if self._outstanding >= self.max_batch_size + self.max_queue:
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
        try:
            with torch.inference_mode():
                while True:
                    admitted = self._next_admissions()
                    if admitted is None:
                        break
                    for handle in admitted:
                        self._prefill(handle)
                    self._expire_active()
                    if len(self._batch):
                        self._decode_step()
        except BaseException as exc:  # pragma: no cover - a bug; fail loudly to every waiter
            self._failure = exc
            raise
        finally:
            with self._cv:
                self._running = False
                pending = list(self._waiting)
                self._waiting.clear()
                self._outstanding = 0
            error = SchedulerClosedError("the server is shutting down")
            for handle in pending + [row.handle for row in self._batch.rows]:
                handle._post(Event("error", error=error))
            self._batch = _KVBatch()

    def _next_admissions(self) -> list[RequestHandle] | None:
        """Requests to prefill now; waits while idle. None when the scheduler stops."""
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

    def _row_delta(self, mix: EmotionMix) -> torch.Tensor | None:
        if mix.is_neutral or self.engine.vector_set is None:
            return None
        parameter = next(self.loaded.model.parameters())
        deltas = layer_deltas(
            self.engine.vector_set, [mix], self._layers, dtype=parameter.dtype, device=parameter.device
        )
        if not deltas:  # intensities so small that every coefficient rounds to 0 in float32
            return None
        return torch.stack([deltas[layer][0] for layer in self._layers])

    def _prefill(self, handle: RequestHandle) -> None:
        """Run one request's prompt alone (steered as a solo request would be), then join the batch."""
        from transformers import DynamicCache

        request = handle.request
        handle.started_at = time.monotonic()
        try:
            seed = request.params.seed
            generator = None
            if request.params.temperature > 0:
                generator = torch.Generator(device="cpu")
                generator.manual_seed(seed if seed is not None else int(torch.randint(0, 2**62, ()).item()))
            row = _Row(handle, request.params, self._row_delta(request.emotion), generator)
            model = self.loaded.model
            device = self.loaded.device
            ids = torch.tensor([handle.prompt_ids], device=device)
            cache = DynamicCache(config=model.config)
            steering = (
                steer(
                    self.loaded,
                    self.engine.vector_set,
                    [request.emotion],
                    recipe=self.engine.recipe,
                    prompt_length=ids.shape[1],
                )
                if row.delta is not None and self.engine.vector_set is not None
                else contextlib.nullcontext()
            )
            with steering:
                output = model(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    position_ids=torch.arange(ids.shape[1], device=device)[None],
                    cache=cache,
                    use_cache=True,
                    logits_to_keep=1,
                )
            self.stats.prefills += 1
            cache = output.cache if getattr(output, "cache", None) is not None else cache
            token = _sample(output.logits[0, -1], row)
        except Exception as exc:
            self._finish_error(handle, GenerationError(f"generation failed: {exc}"))
            return
        if self._advance(row, token):
            return
        self._batch.add(row, cache, ids.shape[1], token)
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

    def _steering(self) -> Steering | contextlib.nullcontext[None]:
        batch = self._batch
        if all(row.delta is None for row in batch.rows):
            return contextlib.nullcontext()
        if batch.dirty or batch.deltas is None:
            parameter = next(self.loaded.model.parameters())
            zeros = torch.zeros(
                (len(self._layers), self.loaded.hidden_size), dtype=parameter.dtype, device=parameter.device
            )
            stacked = torch.stack([row.delta if row.delta is not None else zeros for row in batch.rows])
            batch.deltas = {layer: stacked[:, i] for i, layer in enumerate(self._layers)}
            batch.dirty = False
        return Steering(self.loaded.model, self.loaded.layout, batch.deltas, self._decode_recipe)

    def _decode_step(self) -> None:
        """One forward over all active rows, one token each; retire the rows that finished."""
        batch = self._batch
        assert batch.mask is not None and batch.positions is not None and batch.last is not None
        mask = torch.nn.functional.pad(batch.mask, (0, 1), value=1)
        try:
            with self._steering():
                output = self.loaded.model(
                    input_ids=batch.last[:, None],
                    attention_mask=mask,
                    position_ids=batch.positions[:, None],
                    cache=batch.cache,
                    use_cache=True,
                )
            logits = output.logits[:, -1]
            tokens = [_sample(logits[i], row) for i, row in enumerate(batch.rows)]
        except Exception as exc:
            error = GenerationError(f"generation failed: {exc}")
            for row in batch.rows:
                self._finish_error(row.handle, error)
            self._batch = _KVBatch()
            return
        self.stats.decode_steps += 1
        self.stats.decoded_rows += len(batch)
        batch.mask = mask
        batch.positions = batch.positions + 1
        batch.last = torch.tensor(tokens, device=batch.last.device)
        rows = zip(batch.rows, tokens, strict=True)
        keep = [i for i, (row, token) in enumerate(rows) if not self._advance(row, token)]
        batch.keep(keep)

    def _advance(self, row: _Row, token: int) -> bool:
        """Add a sampled token to a row, stream new text; True when the row is finished."""
        params = row.params
        ended = token in self._end_ids and not params.ignore_eos
        if not ended:
            row.tokens.append(token)
            row.text = self.loaded.tokenizer.decode(row.tokens, skip_special_tokens=True)
        cut = first_stop(row.text, params.stop) if params.stop else None
        if cut is not None:
            row.text = row.text[:cut]
        reason: FinishReason | None = None
        if ended or cut is not None:
            reason = "stop"
        elif len(row.tokens) >= params.max_new_tokens:
            reason = "length"
        elif params.soft_max_tokens is not None and len(row.tokens) >= params.soft_max_tokens:
            reason = "stop" if ends_sentence(row.text) else None
        trimmed = False
        if reason == "length" and params.trim_to_sentence:
            row.text, trimmed = trim_to_sentence(row.text)
        if reason is None:
            hold = max((len(s) for s in params.stop), default=1) - 1
            safe = len(row.text) - hold
            if params.trim_to_sentence:  # stream whole sentences: the tail may be trimmed at the end
                safe = min(safe, streamable_prefix(row.text))
            while safe > row.sent and row.text[safe - 1] == "\ufffd":  # an incomplete UTF-8 sequence
                safe -= 1
            if safe > row.sent:
                row.handle._post(Event("delta", text=row.text[row.sent : safe]))
                row.sent = safe
            return False
        if len(row.text) > row.sent:
            row.handle._post(Event("delta", text=row.text[row.sent :]))
            row.sent = len(row.text)
        usage = Usage(input_tokens=row.handle.prompt_tokens, output_tokens=len(row.tokens), trimmed=trimmed)
        self._release()
        row.handle._post(Event("done", text=row.text, finish_reason=reason, usage=usage))
        self.stats.completed += 1
        return True


def _is_mergeable(cache: Any) -> bool:
    """Only plain full-attention dynamic layers can be left-padded and concatenated along the batch."""
    from transformers.cache_utils import DynamicLayer

    layers = getattr(cache, "layers", None)
    if not layers:  # layers created lazily: plain DynamicLayer unless told otherwise
        return getattr(cache, "layer_class_to_replicate", None) is DynamicLayer
    return all(type(layer) is DynamicLayer for layer in layers)
