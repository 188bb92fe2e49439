"""Batched, steered generation with per-row mixes, string stop sequences, streaming and usage counts."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import torch

from emotive_agents.errors import ContextLengthError, GenerationError
from emotive_agents.generation.chat import render_prompt
from emotive_agents.generation.sentences import ends_sentence, streamable_prefix, trim_to_sentence
from emotive_agents.generation.types import GenerationRequest, GenerationResult, SamplingParams, Usage
from emotive_agents.models.loading import LoadedModel
from emotive_agents.steering.hooks import Steering, steer
from emotive_agents.vectors.recipe import SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet


def first_stop(text: str, stops: Sequence[str]) -> int | None:
    """Index of the earliest stop sequence in `text`, if any."""
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None


class _RowStops:
    """Stopping criterion: per-row token budgets, string stops, soft sentence budgets, and cancellation."""

    def __init__(
        self,
        tokenizer: Any,
        prompt_length: int,
        budgets: Sequence[int],
        stops: Sequence[Sequence[str]],
        cancel: threading.Event,
        soft: Sequence[int | None] = (),
    ) -> None:
        self._tokenizer = tokenizer
        self._prompt_length = prompt_length
        self._budgets = torch.tensor(list(budgets))
        self._stops = stops
        self._cancel = cancel
        self._soft = list(soft) or [None] * len(budgets)
        longest = max((len(s) for row in stops for s in row), default=0)
        self._tail = longest + 8  # tokens to decode: enough to contain any stop string

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **_: Any) -> torch.BoolTensor:
        generated = input_ids.shape[1] - self._prompt_length
        done = self._budgets.to(input_ids.device) <= generated
        if self._cancel.is_set():
            done[:] = True
        for row, stops in enumerate(self._stops):
            if stops and not done[row]:
                start = max(self._prompt_length, input_ids.shape[1] - self._tail)
                tail = self._tokenizer.decode(input_ids[row, start:], skip_special_tokens=True)
                done[row] = first_stop(tail, stops) is not None
        for row, soft in enumerate(self._soft):
            if soft is not None and generated >= soft and not done[row]:
                tail = self._tokenizer.decode(input_ids[row, -4:], skip_special_tokens=True)
                done[row] = ends_sentence(tail)
        return done  # type: ignore[return-value]


@dataclass
class _Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    prompt_lengths: list[int]


class Generator:
    """Runs requests through `model.generate` with scoped steering; one batched call per sampling group."""

    def __init__(
        self,
        loaded: LoadedModel,
        vector_set: EmotionVectorSet | None = None,
        *,
        recipe: SteeringRecipe | None = None,
        max_batch_size: int = 16,
    ) -> None:
        self.loaded = loaded
        self.vector_set = vector_set
        self.recipe = recipe
        self.max_batch_size = max_batch_size
        tokenizer = loaded.tokenizer
        self._pad_id = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        )
        eos = loaded.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tokenizer.eos_token_id is not None:
            eos_ids.add(tokenizer.eos_token_id)
        self._eos_ids = sorted(eos_ids)
        # Tokens that end a row's output: EOS, and the padding generate appends after a row stops.
        self._end_ids = frozenset({*eos_ids, self._pad_id})
        self._context_window = int(getattr(loaded.model.config, "max_position_embeddings", 0) or 0)

    # -- preparing ---------------------------------------------------------------------------------
    def prompt_text(self, request: GenerationRequest) -> str:
        if request.prompt is not None:
            return request.prompt
        return render_prompt(self.loaded.tokenizer, request.messages)

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        """The prompt's token ids, checked to be non-empty and to fit the context window."""
        ids: list[int] = self.loaded.tokenizer(self.prompt_text(request), add_special_tokens=False)[
            "input_ids"
        ]
        if not ids:
            raise GenerationError("the prompt is empty")
        limit = self._context_window
        if limit and len(ids) + request.params.max_new_tokens > limit:
            raise ContextLengthError(
                f"prompt ({len(ids)} tokens) plus max_new_tokens ({request.params.max_new_tokens}) "
                f"exceeds the model's context window of {limit} tokens"
            )
        return ids

    def _encode(self, requests: Sequence[GenerationRequest]) -> _Batch:
        """Tokenise each prompt alone and left-pad by hand (the user's tokenizer is never modified)."""
        rows = [self.prompt_ids(request) for request in requests]
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), self._pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for i, ids in enumerate(rows):
            input_ids[i, width - len(ids) :] = torch.tensor(ids)
            attention[i, width - len(ids) :] = 1
        device = self.loaded.device
        return _Batch(input_ids.to(device), attention.to(device), [len(r) for r in rows])

    def steering(
        self, requests: Sequence[GenerationRequest], prompt_length: int
    ) -> Steering | nullcontext[None]:
        mixes = [r.emotion for r in requests]
        if all(m.is_neutral for m in mixes):
            return nullcontext()
        if self.vector_set is None:
            raise GenerationError("an emotion mix was given but no vector set is loaded")
        return steer(self.loaded, self.vector_set, mixes, recipe=self.recipe, prompt_length=prompt_length)

    def _generation_kwargs(self, params: SamplingParams, max_new_tokens: int) -> dict[str, Any]:
        from transformers import GenerationConfig

        sample = params.temperature > 0
        config = GenerationConfig(
            max_new_tokens=max_new_tokens,
            min_new_tokens=max_new_tokens if params.ignore_eos else 0,
            do_sample=sample,
            temperature=params.temperature if sample else None,
            top_p=params.top_p if sample else None,
            top_k=params.top_k if sample else None,
            repetition_penalty=params.repetition_penalty if params.repetition_penalty != 1.0 else None,
            no_repeat_ngram_size=params.no_repeat_ngram_size or None,
            pad_token_id=self._pad_id,
            eos_token_id=self._eos_ids or None,
        )
        return {"generation_config": config}

    # -- running -----------------------------------------------------------------------------------
    def _generate_ids(
        self,
        requests: Sequence[GenerationRequest],
        batch: _Batch,
        *,
        cancel: threading.Event | None = None,
        streamer: Any = None,
    ) -> torch.Tensor:
        from transformers import StoppingCriteriaList

        params = requests[0].params
        budgets = [r.params.max_new_tokens for r in requests]
        stops = [r.params.stop for r in requests]
        soft = [r.params.soft_max_tokens for r in requests]
        width = batch.input_ids.shape[1]
        kwargs = self._generation_kwargs(params, max(budgets))
        if cancel is not None or any(stops) or len(set(budgets)) > 1 or any(s is not None for s in soft):
            criteria = _RowStops(
                self.loaded.tokenizer, width, budgets, stops, cancel or threading.Event(), soft
            )
            kwargs["stopping_criteria"] = StoppingCriteriaList([criteria])
        rng = torch.random.fork_rng(devices=[]) if params.seed is not None else nullcontext()
        with rng, torch.inference_mode(), self.steering(requests, width):
            if params.seed is not None:
                torch.manual_seed(params.seed)
            output = self.loaded.model.generate(
                input_ids=batch.input_ids,
                attention_mask=batch.attention_mask,
                streamer=streamer,
                **kwargs,
            )
        return output[:, width:].cpu()

    def _finish(
        self, request: GenerationRequest, tokens: torch.Tensor, input_tokens: int
    ) -> GenerationResult:
        budget = request.params.max_new_tokens
        ids = tokens.tolist()[:budget]
        if not request.params.ignore_eos:
            ids = ids[: next((i for i, t in enumerate(ids) if t in self._end_ids), len(ids))]
        text = self.loaded.tokenizer.decode(ids, skip_special_tokens=True)
        cut = first_stop(text, request.params.stop)
        if cut is not None:
            text = text[:cut]
        stopped = len(ids) < budget or cut is not None
        trimmed = False
        if not stopped and request.params.trim_to_sentence:
            text, trimmed = trim_to_sentence(text)
        return GenerationResult(
            text=text,
            model=self.loaded.name,
            emotion=request.emotion.as_dict(),
            usage=Usage(input_tokens=input_tokens, output_tokens=len(ids), trimmed=trimmed),
            finish_reason="stop" if stopped else "length",
        )

    def _batches(
        self, requests: Sequence[GenerationRequest]
    ) -> Iterator[tuple[list[int], _Batch, torch.Tensor]]:
        """Group rows that share sampling settings into batches; yield (indices, batch, new tokens)."""
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, request in enumerate(requests):
            # A seeded request runs alone: its random stream must not depend on its batch-mates.
            key = request.params.batch_key() if request.params.seed is None else ("seeded", i)
            groups.setdefault(key, []).append(i)
        for indices in groups.values():
            for start in range(0, len(indices), self.max_batch_size):
                chunk = indices[start : start + self.max_batch_size]
                batch_requests = [requests[i] for i in chunk]
                batch = self._encode(batch_requests)
                yield chunk, batch, self._generate_ids(batch_requests, batch)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Answer requests in order; rows that share sampling settings run as one batch with per-row mixes."""
        results: list[GenerationResult | None] = [None] * len(requests)
        for chunk, batch, tokens in self._batches(requests):
            for row, i in enumerate(chunk):
                results[i] = self._finish(requests[i], tokens[row], batch.prompt_lengths[row])
        return [r for r in results if r is not None]

    def generate_ids(self, requests: Sequence[GenerationRequest]) -> list[tuple[list[int], list[int]]]:
        """(prompt ids, response ids up to EOS) per request, for activation extraction."""
        out: list[tuple[list[int], list[int]] | None] = [None] * len(requests)
        for chunk, batch, tokens in self._batches(requests):
            for row, i in enumerate(chunk):
                length = batch.prompt_lengths[row]
                prompt = batch.input_ids[row, batch.input_ids.shape[1] - length :].tolist()
                response = tokens[row].tolist()
                end = next((k for k, t in enumerate(response) if t in self._end_ids), len(response))
                out[i] = (prompt, response[: min(end, requests[i].params.max_new_tokens)])
        return [o for o in out if o is not None]

    def stream(self, request: GenerationRequest) -> GenerationStream:
        return GenerationStream(self, request)


class GenerationStream:
    """Iterates text chunks while a worker thread generates; `result` holds usage once exhausted.

    The iterator joins its worker and re-raises the worker's error; `close()` cancels generation.
    """

    def __init__(self, generator: Generator, request: GenerationRequest, timeout: float = 600.0) -> None:
        from transformers import TextIteratorStreamer

        self._generator = generator
        self._request = request
        self._batch = generator._encode([request])
        self._cancel = threading.Event()
        self._streamer = TextIteratorStreamer(
            generator.loaded.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=timeout
        )
        self._error: BaseException | None = None
        self._tokens: torch.Tensor | None = None
        self.result: GenerationResult | None = None
        self._thread = threading.Thread(target=self._work, name="emotive-generate", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._tokens = self._generator._generate_ids(
                [self._request], self._batch, cancel=self._cancel, streamer=self._streamer
            )
        except BaseException as exc:
            self._error = exc
            self._streamer.end()  # unblock the consumer

    def __iter__(self) -> Iterator[str]:
        stops = self._request.params.stop
        hold = max((len(s) for s in stops), default=1) - 1  # chars that may start a stop sequence
        whole_sentences = self._request.params.trim_to_sentence  # the tail may be trimmed at the end
        text, sent = "", 0
        try:
            for piece in self._streamer:
                text += piece
                cut = first_stop(text, stops)
                if cut is not None:
                    if cut > sent:
                        yield text[sent:cut]
                    sent = cut
                    self._cancel.set()
                    break
                safe = len(text) - hold
                if whole_sentences:
                    safe = min(safe, streamable_prefix(text))
                if safe > sent:
                    yield text[sent:safe]
                    sent = safe
        finally:
            self._cancel.set()  # no-op if finished; stops the worker if the consumer left early
            self._thread.join()
        if self._error is not None:
            raise GenerationError(f"generation failed: {self._error}") from self._error
        assert self._tokens is not None
        self.result = self._generator._finish(self._request, self._tokens[0], self._batch.prompt_lengths[0])
        final = self.result.text  # what was streamed is a prefix of it
        if len(final) > sent and final.startswith(text[:sent]):
            yield final[sent:]

    def close(self) -> None:
        """Stop generating (e.g. the client went away) and wait for the worker."""
        self._cancel.set()
        self._thread.join()
