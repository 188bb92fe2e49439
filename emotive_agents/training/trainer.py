"""Trained emotion vectors: optimise the very vector the engine adds, on a reply corpus.

Mean differences of a small model's own answers hold little anger or disgust, because the model
does not write that way when asked. Here, per emotion, one vector (shared over a layer band, or one
per layer) is added at the recipe's hook point at every position, and Adam maximises the
likelihood of the corpus' emotional replies teacher-forced after their query's neutral prompt
(ReFT-r1 / BiPO style). A KL term on the neutral replies keeps the steered model close to the
unsteered one there (fluency, topic), and held-out queries stop training early. The result is an
ordinary vector set, so every runtime path (per-row mixes, streaming, server, export) uses it as is.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator

from emotive_agents.errors import VectorSetError
from emotive_agents.models.loading import LoadedModel
from emotive_agents.steering.hooks import Steering
from emotive_agents.vectors.corpus import NEUTRAL, ReplyCorpus, split_queries
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.teacher_forced import forced_pairs
from emotive_agents.vectors.vector_set import EmotionVectorSet

Progress = Callable[[int, int], None]
Pair = tuple[list[int], list[int]]


class TrainConfig(BaseModel):
    """Settings of one training run; stored in the vector set's metadata (`created`)."""

    model_config = ConfigDict(frozen=True)

    emotions: tuple[str, ...]
    layers: tuple[int, ...] = tuple(range(8, 20))
    shared: bool = True  # one vector for the whole band, else one per layer
    hook_point: HookPoint = HookPoint.BLOCK_CONTRIBUTION
    lr: float = Field(default=0.02, gt=0)
    steps: int = Field(default=60, ge=1)
    batch_size: int = Field(default=8, ge=1)
    neutral_batch_size: int = Field(default=4, ge=0)  # neutral rows per step for the KL term
    kl_weight: float = Field(default=0.5, ge=0)
    kl_top_k: int = Field(default=32, ge=1)  # KL over the unsteered model's top-k tokens per position
    # BiPO/DPO-style contrast against the neutral reply of the same query: the steered model must
    # raise the emotional reply's likelihood more than the neutral one's (relative to unsteered), so
    # what the two replies share (topic, facts, corpus style) gives no gradient. 0 turns it off.
    contrast_weight: float = Field(default=0.0, ge=0)
    contrast_beta: float = Field(default=2.0, gt=0)  # scale of the mean-token log-ratio margin
    # BiPO's two signs: on about half of the steps -v is applied and the contrast is reversed (the
    # neutral reply must gain over the emotional one), so -1.0 is trained to suppress the emotion.
    bidirectional: bool = False
    nll_weight: float = Field(default=1.0, ge=0)  # weight of the emotional replies' NLL (+v steps)
    kl_skip: int = Field(default=0, ge=0)  # KL only after the first N neutral reply tokens (opener free)
    max_response_tokens: int | None = Field(default=48, ge=1)
    holdout: float = Field(default=0.15, ge=0, lt=1)  # share of queries held out for early stopping
    eval_every: int = Field(default=10, ge=1)
    patience: int = Field(default=2, ge=1)  # evaluations without improvement before stopping
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        if not self.emotions:
            raise ValueError("give at least one emotion to train")
        if NEUTRAL in self.emotions:
            raise ValueError("'neutral' is the reference condition; it cannot be trained")
        if not self.layers:
            raise ValueError("give at least one layer")
        if self.bidirectional and self.contrast_weight == 0:
            raise ValueError("bidirectional training needs the contrast term (contrast_weight > 0)")
        if self.nll_weight == 0 and self.contrast_weight == 0:
            raise ValueError("nll_weight and contrast_weight are both 0: nothing to train")
        return self


@dataclass
class _Reference:
    """The unsteered model's top-k log-probabilities at each reply position of one neutral row."""

    logprobs: torch.Tensor  # [T, k]
    indices: torch.Tensor  # [T, k]


class _Batcher:
    """Right-padded batches and the positions whose next-token predictions are scored."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        tokenizer = loaded.tokenizer
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def forward(self, pairs: Sequence[Pair]) -> list[torch.Tensor]:
        """Per row, [T, vocab] log-probabilities of the reply tokens' predictions (steering applies)."""
        width = max(len(p) + len(r) for p, r in pairs)
        ids = torch.full((len(pairs), width), self.pad, dtype=torch.long)
        attention = torch.zeros_like(ids)
        for row, (prompt, response) in enumerate(pairs):
            full = prompt + response
            ids[row, : len(full)] = torch.tensor(full)
            attention[row, : len(full)] = 1
        model, layout = self.loaded.model, self.loaded.layout
        device = self.loaded.device
        hidden = layout.base(model)(
            input_ids=ids.to(device), attention_mask=attention.to(device), use_cache=False
        ).last_hidden_state
        head = model.get_output_embeddings()
        out = []
        for row, (prompt, response) in enumerate(pairs):
            start = len(prompt) - 1  # position t predicts token t + 1
            logits = head(hidden[row, start : start + len(response)])
            out.append(torch.log_softmax(logits.float(), dim=-1))
        return out


def _nll(logprobs: list[torch.Tensor], pairs: Sequence[Pair]) -> torch.Tensor:
    losses = []
    for lp, (_, response) in zip(logprobs, pairs, strict=True):
        target = torch.tensor(response, device=lp.device)
        losses.append(-lp.gather(1, target[:, None]).mean())
    return torch.stack(losses).mean()


def _mean_logprob(logprobs: list[torch.Tensor], pairs: Sequence[Pair]) -> torch.Tensor:
    """Per row, the mean log-probability of its reply tokens."""
    rows = []
    for lp, (_, response) in zip(logprobs, pairs, strict=True):
        target = torch.tensor(response, device=lp.device)
        rows.append(lp.gather(1, target[:, None]).mean())
    return torch.stack(rows)


def _kl(logprobs: list[torch.Tensor], references: Sequence[_Reference], skip: int = 0) -> torch.Tensor:
    """KL(unsteered || steered) over the reference's top-k, from position `skip` on (all if shorter)."""
    losses = []
    for lp, ref in zip(logprobs, references, strict=True):
        start = skip if skip < ref.logprobs.shape[0] else 0
        ref_lp, steered = ref.logprobs[start:], lp[start:].gather(1, ref.indices[start:])
        losses.append((ref_lp.exp() * (ref_lp - steered)).sum(-1).mean())
    return torch.stack(losses).mean()


class VectorTrainer:
    """Trains one vector per emotion on a corpus; `train()` returns the vector set."""

    def __init__(self, loaded: LoadedModel, corpus: ReplyCorpus, config: TrainConfig) -> None:
        bad = [i for i in config.layers if not 0 <= i < loaded.num_layers]
        if bad:
            raise VectorSetError(f"layers {bad} do not exist in a model with {loaded.num_layers} layers")
        corpus.require([NEUTRAL, *config.emotions])
        self.loaded = loaded
        self.corpus = corpus
        self.config = config
        self.train_queries, self.held_queries = split_queries(corpus.queries, config.holdout, config.seed)
        if not self.train_queries:
            raise VectorSetError("no training queries left after the held-out split")
        self.recipe = SteeringRecipe(
            hook_point=config.hook_point, positions=PositionRule.ALL, layers=config.layers
        )
        self._batcher = _Batcher(loaded)
        self._neutral = self._pairs(NEUTRAL, self.train_queries)
        self._neutral_held = self._pairs(NEUTRAL, self.held_queries)
        self._use_kl = config.kl_weight > 0 and config.neutral_batch_size > 0
        self._ref_cache: dict[tuple[int, ...], _Reference] = {}  # computed when first sampled
        self._lp_cache: dict[tuple[int, ...], float] = {}  # unsteered mean log-prob per pair
        self._use_contrast = config.contrast_weight > 0
        self._neutral_of = dict(self._query_pairs(NEUTRAL, corpus.queries)) if self._use_contrast else {}

    def _pairs(self, emotion: str, queries: Sequence[str]) -> list[Pair]:
        return [pair for _, pair in self._query_pairs(emotion, queries)]

    def _query_pairs(self, emotion: str, queries: Sequence[str]) -> list[tuple[str, Pair]]:
        replies = self.corpus.subset(queries).replies(emotion)
        pairs = forced_pairs(self.loaded, replies, max_response_tokens=self.config.max_response_tokens)
        return list(zip([r.query for r in replies], pairs, strict=True))

    @torch.no_grad()
    def _unsteered_logprobs(self, pairs: Sequence[Pair]) -> torch.Tensor:
        """The unsteered mean reply log-probability of each pair (the contrast's reference)."""
        key = lambda p: tuple(p[0] + [-1] + p[1])  # noqa: E731
        missing = [p for p in dict.fromkeys(map(key, pairs)) if p not in self._lp_cache]
        todo = [next(p for p in pairs if key(p) == k) for k in missing]
        for start in range(0, len(todo), self.config.batch_size):
            chunk = todo[start : start + self.config.batch_size]
            values = _mean_logprob(self._batcher.forward(chunk), chunk)
            for pair, value in zip(chunk, values.tolist(), strict=True):
                self._lp_cache[key(pair)] = value
        return torch.tensor([self._lp_cache[key(p)] for p in pairs])

    @torch.no_grad()
    def _references(self, pairs: Sequence[Pair]) -> list[_Reference]:
        """The unsteered top-k log-probabilities of each pair, computed once per distinct pair."""
        missing = [p for p in pairs if tuple(p[0] + [-1] + p[1]) not in self._ref_cache]
        for start in range(0, len(missing), self.config.batch_size):
            chunk = missing[start : start + self.config.batch_size]
            for pair, lp in zip(chunk, self._batcher.forward(chunk), strict=True):
                values, indices = lp.topk(min(self.config.kl_top_k, lp.shape[-1]), dim=-1)
                self._ref_cache[tuple(pair[0] + [-1] + pair[1])] = _Reference(values, indices)
        return [self._ref_cache[tuple(p[0] + [-1] + p[1])] for p in pairs]

    def _steering(self, vector: torch.Tensor) -> Steering:
        """The engine's own hooks, adding `vector` (signed by the caller) over the band."""
        rows = vector.expand(len(self.config.layers), -1) if self.config.shared else vector
        deltas = {layer: rows[i : i + 1] for i, layer in enumerate(self.config.layers)}
        return Steering(self.loaded.model, self.loaded.layout, deltas, self.recipe)

    def _loss(
        self,
        vector: torch.Tensor,
        pairs: Sequence[Pair],
        neutral: Sequence[Pair],
        refs: Sequence[_Reference],
        contrasts: Sequence[Pair] = (),
        sign: float = 1.0,
    ) -> tuple[torch.Tensor, float]:
        """Reply NLL (+ KL on `neutral`, + the contrast of `pairs` against `contrasts`, row by row).

        With `sign` -1 (BiPO's other direction) -vector is applied, the contrast is reversed and the
        emotional replies' NLL is left out: -1.0 should make them less likely, not more.
        """
        config = self.config
        with self._steering(sign * vector):
            logprobs = self._batcher.forward([*pairs, *neutral, *contrasts])
        n, k = len(pairs), len(neutral)
        nll = _nll(logprobs[:n], pairs)
        loss = config.nll_weight * nll if sign > 0 else torch.zeros((), device=nll.device)
        if neutral:
            loss = loss + config.kl_weight * _kl(logprobs[n : n + k], refs, config.kl_skip)
        if contrasts:
            gain = _mean_logprob(logprobs[:n], pairs) - self._unsteered_logprobs(pairs)
            other = _mean_logprob(logprobs[n + k :], contrasts) - self._unsteered_logprobs(contrasts)
            margin = sign * config.contrast_beta * (gain - other)
            loss = loss + config.contrast_weight * torch.nn.functional.softplus(-margin).mean()
        return loss, float(nll.detach())

    @torch.no_grad()
    def _held_out_loss(
        self, vector: torch.Tensor, pairs: Sequence[Pair], contrasts: Sequence[Pair] = ()
    ) -> float:
        total, count = 0.0, 0
        size = self.config.batch_size
        for start in range(0, len(pairs), size):
            chunk = pairs[start : start + size]
            loss, _ = self._loss(vector, chunk, [], [], contrasts[start : start + size])
            total, count = total + float(loss) * len(chunk), count + len(chunk)
        if self._use_kl and self._neutral_held:
            kl_total = 0.0
            for start in range(0, len(self._neutral_held), size):
                chunk = self._neutral_held[start : start + size]
                refs = self._references(chunk)
                with self._steering(vector):
                    lps = self._batcher.forward(chunk)
                kl_total += float(_kl(lps, refs, self.config.kl_skip)) * len(chunk)
            return total / max(count, 1) + self.config.kl_weight * kl_total / len(self._neutral_held)
        return total / max(count, 1)

    def train_one(self, emotion: str, on_progress: Progress | None = None) -> tuple[torch.Tensor, dict]:
        """The trained [layers of the band or 1, hidden] parameter and its training history."""
        config = self.config
        rng = random.Random(f"{config.seed}:{emotion}")
        torch.manual_seed(rng.randrange(2**31))
        train_rows = self._query_pairs(emotion, self.train_queries)
        held_rows = self._query_pairs(emotion, self.held_queries)
        pairs, held = [p for _, p in train_rows], [p for _, p in held_rows]
        contrast_of = [self._neutral_of[q] for q, _ in train_rows] if self._use_contrast else []
        held_contrast = [self._neutral_of[q] for q, _ in held_rows] if self._use_contrast else []
        if not pairs:
            raise VectorSetError(f"no training replies for {emotion!r}")
        dtype = next(self.loaded.model.parameters()).dtype
        shape = (1 if config.shared else len(config.layers), self.loaded.hidden_size)
        vector = torch.zeros(shape, dtype=dtype, device=self.loaded.device, requires_grad=True)
        optimiser = torch.optim.Adam([vector], lr=config.lr)
        best, best_loss, stale = vector.detach().clone(), math.inf, 0
        history: list[dict[str, float]] = []
        if held:
            best_loss = self._held_out_loss(vector.detach(), held, held_contrast)
            history.append({"step": 0, "held_out": round(best_loss, 4)})
        order: list[int] = []
        neutral_order: list[int] = []
        started = time.perf_counter()
        step = 0
        for step in range(1, config.steps + 1):
            batch: list[Pair] = []
            contrasts: list[Pair] = []
            while len(batch) < min(config.batch_size, len(pairs)):
                order = order or rng.sample(range(len(pairs)), len(pairs))
                index = order.pop()
                batch.append(pairs[index])
                contrasts += contrast_of[index : index + 1]
            neutral: list[Pair] = []
            refs: list[_Reference] = []
            if self._use_kl and self._neutral:
                for _ in range(min(config.neutral_batch_size, len(self._neutral))):
                    neutral_order = neutral_order or rng.sample(range(len(self._neutral)), len(self._neutral))
                    neutral.append(self._neutral[neutral_order.pop()])
                refs = self._references(neutral)
            sign = -1.0 if config.bidirectional and rng.random() < 0.5 else 1.0
            optimiser.zero_grad()
            loss, nll = self._loss(vector, batch, neutral, refs, contrasts, sign)
            loss.backward()
            optimiser.step()
            if on_progress is not None:
                on_progress(step, config.steps)
            if step % config.eval_every == 0 or step == config.steps:
                record = {"step": step, "loss": round(float(loss.detach()), 4), "nll": round(nll, 4)}
                if held:
                    held_loss = self._held_out_loss(vector.detach(), held, held_contrast)
                    record["held_out"] = round(held_loss, 4)
                    if held_loss < best_loss:
                        best, best_loss, stale = vector.detach().clone(), held_loss, 0
                    else:
                        stale += 1
                else:
                    best = vector.detach().clone()
                history.append(record)
                if held and stale >= config.patience:
                    break
        return best, {
            "steps_run": step,
            "best_held_out": round(best_loss, 4) if held else None,
            "seconds": round(time.perf_counter() - started, 1),
            "train_replies": len(pairs),
            "held_out_replies": len(held),
            "history": history,
        }

    def train(self, on_progress: Progress | None = None) -> EmotionVectorSet:
        """Every emotion in turn; `on_progress(done, total)` counts optimiser steps over all of them."""
        config = self.config
        vectors, reports = {}, {}
        for k, emotion in enumerate(config.emotions):

            def report(step: int, total: int, k: int = k) -> None:
                if on_progress is not None:
                    on_progress(k * config.steps + step, len(config.emotions) * config.steps)

            trained, reports[emotion] = self.train_one(emotion, report)
            full = torch.zeros(self.loaded.num_layers, self.loaded.hidden_size)
            rows = trained.float().cpu().expand(len(config.layers), -1)
            full[list(config.layers)] = rows
            vectors[emotion] = full
        return EmotionVectorSet.from_vectors(
            vectors,
            self.loaded.fingerprint,
            recipe=self.recipe,
            pooling="trained",
            dataset_hash=self.corpus.digest(),
            created={
                "method": "trained",
                **config.model_dump(mode="json"),
                "source": self.corpus.source,
                "train_queries": len(self.train_queries),
                "held_out_queries": len(self.held_queries),
                "training": reports,
            },
        )


def train_vectors(
    loaded: LoadedModel, corpus: ReplyCorpus, config: TrainConfig, on_progress: Progress | None = None
) -> EmotionVectorSet:
    """Train a vector set (uncalibrated: intensity 1.0 is the trained strength until `calibrate`)."""
    parameters = list(loaded.model.parameters())
    flags = [p.requires_grad for p in parameters]
    for parameter in parameters:
        parameter.requires_grad_(False)  # only the vectors learn; no weight gradients are kept
    try:
        return VectorTrainer(loaded, corpus, config).train(on_progress)
    finally:
        for parameter, flag in zip(parameters, flags, strict=True):
            parameter.requires_grad_(flag)
