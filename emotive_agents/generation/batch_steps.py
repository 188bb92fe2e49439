"""The model side of the decode loop: rows, their prefill and decode forwards, and their events.

`executor` decides *when* (admission, queue bounds, timeouts, the worker thread); this module does the
work on the model: build a row (sampler, text tracker, steering delta), prefill the rows admitted together
in one left-padded forward, run ONE decode forward over every active row with a per-row steering delta,
and post each row's new text and its end. It runs only on the executor's worker thread.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from emotive_agents.errors import (
    EmotiveError,
    GenerationError,
    QueueTimeoutError,
    RequestCancelledError,
    RequestTimeoutError,
    SchedulerError,
)
from emotive_agents.generation.events import Event, RequestHandle, SchedulerStats
from emotive_agents.generation.kv_batch import KVBatch, left_padded, stack_deltas
from emotive_agents.generation.prompting import special_ids
from emotive_agents.generation.sampling import RowSampler, sample_rows
from emotive_agents.generation.stopping import RowText
from emotive_agents.generation.types import Usage
from emotive_agents.models.loading import LoadedModel
from emotive_agents.steering.hooks import Steering
from emotive_agents.vectors.deltas import row_delta
from emotive_agents.vectors.recipe import PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet


def failed(exc: BaseException) -> GenerationError:
    """A model error as the request's GenerationError (the original kept as its cause)."""
    error = GenerationError(f"generation failed: {exc}")
    error.__cause__ = exc
    return error


def expiry_error(handle: RequestHandle, *, queued: bool) -> SchedulerError:
    """Why a cancelled or timed-out request ends, waiting (`queued`) or decoding."""
    if handle.cancelled:
        return RequestCancelledError("the request was cancelled")
    if queued:
        return QueueTimeoutError(
            "the request waited longer than its timeout without a free batch slot; retry later"
        )
    return RequestTimeoutError("the request did not finish within its timeout and was stopped")


@dataclass
class Row:
    handle: RequestHandle
    sampler: RowSampler
    text: RowText
    delta: torch.Tensor | None  # [steered layers, hidden]; None when the mix steers nothing


class BatchSteps:
    """The running batch and the forwards that grow, advance and shrink it.

    `release()` is called once per request that ends (finished or failed), so the executor can count
    outstanding work; failures and expiries are tallied in `stats` and posted to the request's handle.
    """

    def __init__(
        self,
        loaded: LoadedModel,
        vector_set: EmotionVectorSet | None,
        recipe: SteeringRecipe,
        stats: SchedulerStats,
        release: Callable[[], None],
    ) -> None:
        self.loaded = loaded
        self.vector_set = vector_set
        self.recipe = recipe
        self.stats = stats
        self._release = release
        ids = special_ids(loaded)
        self._eos_ids, self._end_ids, self._pad_id = ids.eos, ids.end, ids.pad
        self.layers: tuple[int, ...] = (
            tuple(recipe.layer_indices(loaded.num_layers)) if vector_set is not None else ()
        )
        # Decode forwards have one token per row: every position rule steers it, so "all" is exact.
        self._decode_recipe = recipe.model_copy(update={"positions": PositionRule.ALL})
        self.batch: KVBatch[Row] = KVBatch()

    def __len__(self) -> int:
        return len(self.batch)

    def reset(self) -> list[RequestHandle]:
        """Drop every active row (shut-down); their handles, to be told why."""
        handles = [row.handle for row in self.batch.rows]
        self.batch = KVBatch()
        return handles

    def finish_error(self, handle: RequestHandle, error: BaseException) -> None:
        self._release()
        if isinstance(error, RequestCancelledError):
            self.stats.cancelled += 1
        elif isinstance(error, (QueueTimeoutError, RequestTimeoutError)):
            self.stats.timed_out += 1
        else:
            self.stats.failed += 1
        handle._post(Event("error", error=error))

    def row(self, handle: RequestHandle) -> Row:
        """The row's sampler, text tracker and steering delta (the mix is checked here, once)."""
        request = handle.request
        parameter = next(self.loaded.model.parameters())
        delta = row_delta(
            self.vector_set, request.emotion, self.layers, dtype=parameter.dtype, device=parameter.device
        )
        text = RowText(self.loaded.tokenizer, request.params, self._end_ids, streaming=handle.streaming)
        return Row(handle, RowSampler(request.params, self._eos_ids), text, delta)

    def prefill(self, handles: list[RequestHandle]) -> None:
        """Prefill the rows admitted together in one left-padded forward (each with its own steering),
        sample their first tokens, then merge them into the running batch."""
        from transformers import DynamicCache

        rows: list[Row] = []
        for handle in handles:
            handle.started_at = time.monotonic()
            try:
                rows.append(self.row(handle))
            except EmotiveError as exc:
                self.finish_error(handle, exc)
            except Exception as exc:
                self.finish_error(handle, failed(exc))
        if not rows:
            return
        model, device = self.loaded.model, self.loaded.device
        ids, mask = left_padded([row.handle.prompt_ids for row in rows], self._pad_id, device)
        width = ids.shape[1]
        try:
            cache = DynamicCache(config=model.config)
            steering: Any = contextlib.nullcontext()
            deltas = stack_deltas([row.delta for row in rows], self.layers)
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
            error = exc if isinstance(exc, EmotiveError) else failed(exc)
            for row in rows:
                self.finish_error(row.handle, error)
            return
        keep = [
            i for i, (row, token) in enumerate(zip(rows, tokens, strict=True)) if not self.advance(row, token)
        ]
        if keep:
            self.batch.add(
                [rows[i] for i in keep],
                cache,
                mask,
                [tokens[i] for i in keep],
                [rows[i].delta for i in keep],
                keep=keep,
            )
            self.stats.max_batch = max(self.stats.max_batch, len(self.batch))

    def expire(self) -> None:
        """End the active rows that were cancelled or ran past their deadline."""
        now = time.monotonic()
        keep = []
        for i, row in enumerate(self.batch.rows):
            if row.handle.cancelled or row.handle.deadline <= now:
                self.finish_error(row.handle, expiry_error(row.handle, queued=False))
            else:
                keep.append(i)
        self.batch.keep(keep)

    def step(self) -> None:
        """One forward over all active rows, one token each; retire the rows that finished."""
        batch = self.batch
        try:
            deltas = batch.deltas(self.layers)
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
            error = failed(exc)
            for row in batch.rows:
                self.finish_error(row.handle, error)
            self.batch = KVBatch()
            return
        self.stats.decode_steps += 1
        self.stats.decoded_rows += len(batch)
        batch.advance(tokens)
        rows = zip(batch.rows, tokens, strict=True)
        keep = [i for i, (row, token) in enumerate(rows) if not self.advance(row, token)]
        batch.keep(keep)

    def advance(self, row: Row, token: int) -> bool:
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
