"""The alpha sweep of the paper on any model and vector set, plus a prompting baseline.

Every (query, emotion, alpha) row runs in shared batches with per-row steering, then each response
is scored for emotion (an independent judge), fluency (perplexity under the unsteered model and
distinct-2) and topic (query/response embedding cosine).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.engine import EmotiveEngine
from emotive_agents.evaluation.metrics import TextEmbedder, distinct_n, perplexities, topic_similarity
from emotive_agents.generation.chat import ChatMessage
from emotive_agents.generation.types import GenerationRequest, GenerationResult, SamplingParams
from emotive_agents.progress import ProgressCallback, stepper
from emotive_agents.steering.mix import EmotionMix
from emotive_agents.vectors.queries import EmotionPrompts, Placement, Query
from emotive_agents.vectors.vector_set import BASIC_EMOTIONS

# "prompt_steering": the emotion asked for in the prompt *and* steered toward at the given alpha.
Method = Literal["unsteered", "steering", "prompting", "prompt_steering"]
_PPL_BATCH = 16


class Reading(Protocol):
    @property
    def probabilities(self) -> dict[str, float]: ...

    @property
    def valence(self) -> float: ...


class EmotionScorer(Protocol):
    def score(self, texts: Sequence[str]) -> Sequence[Reading]: ...


class StyleScorer(EmotionScorer, Protocol):
    """A scorer for the styles (calm, encouraging, patient) that the emotion judge has no labels for."""

    @property
    def labels(self) -> tuple[str, ...]: ...


class EvalConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    alphas: tuple[float, ...] = (-1.0, 0.0, 1.0, 2.0, 4.0)
    emotions: tuple[str, ...] = BASIC_EMOTIONS
    limit: int | None = Field(default=None, ge=1)
    max_new_tokens: int = Field(default=48, ge=1)
    prompting_baseline: bool = True
    # Where the prompting baseline asks for the emotion (small models ignore system prompts more).
    prompt_placement: Placement = "system"
    # Alphas at which to run prompt plus steering (empty: none); needs the prompt set.
    prompt_steering_alphas: tuple[float, ...] = ()
    steering: bool = True  # False: only the unsteered and prompting conditions
    # False: skip the unsteered condition (ratios then stay unset; runs split over processes share one).
    unsteered: bool = True
    # Repetition control for every generation (to measure its effect on loops and on the emotion hit).
    repetition_penalty: float = Field(default=1.0, gt=0.0, le=10.0)
    no_repeat_ngram_size: int = Field(default=0, ge=0, le=16)


class Condition(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: Method
    emotion: str | None = None
    alpha: float = 0.0


class ConditionMetrics(BaseModel):
    condition: Condition
    n: int
    # Which judge read the target: "style" for a style the style judge knows, else "emotion".
    target_judge: str = "emotion"
    target_probability: float | None  # mean judge probability of the condition's emotion
    target_top1: float | None  # share of responses whose top judge label is that emotion
    # The same share over queries that call for another emotion (or none), when queries say which.
    target_top1_other_queries: float | None = None
    valence: float
    distinct_2: float
    perplexity: float
    topic_similarity: float
    mean_probabilities: dict[str, float] = Field(default_factory=dict)  # judge, per label
    label_rates: dict[str, float] = Field(default_factory=dict)  # share of top-1 labels
    # Relative to the unsteered responses to the same queries.
    target_probability_shift: float | None = None
    distinct_2_ratio: float = 1.0
    perplexity_ratio: float = 1.0
    topic_similarity_ratio: float = 1.0


class Sample(BaseModel):
    condition: Condition
    query: str
    response: str
    label: str
    probabilities: dict[str, float]


class EvalReport(BaseModel):
    model: str
    vectors: str
    config: EvalConfig
    queries: int
    judge: dict[str, object] = Field(default_factory=dict)
    results: list[ConditionMetrics]
    samples: list[Sample]

    def find(self, method: Method, emotion: str | None = None, alpha: float = 0.0) -> ConditionMetrics:
        for result in self.results:
            c = result.condition
            if c.method == method and c.emotion == emotion and c.alpha == alpha:
                return result
        raise KeyError((method, emotion, alpha))


def spread(queries: Sequence[Query], limit: int | None) -> list[Query]:
    """`limit` evenly spaced queries, so a prefix-sorted set (EmotionQuery+) keeps all its categories."""
    if limit is None or limit >= len(queries):
        return list(queries)
    step = len(queries) / limit
    return [queries[int(i * step)] for i in range(limit)]


def _conditions(config: EvalConfig, prompting: bool) -> list[Condition]:
    out = [Condition(method="unsteered")] if config.unsteered else []
    for emotion in config.emotions:
        if config.steering:
            out += [Condition(method="steering", emotion=emotion, alpha=a) for a in config.alphas if a != 0]
        if prompting:
            out.append(Condition(method="prompting", emotion=emotion))
            alphas = config.prompt_steering_alphas
            out += [Condition(method="prompt_steering", emotion=emotion, alpha=a) for a in alphas]
    return out


def _request(
    condition: Condition,
    query: Query,
    prompts: EmotionPrompts | None,
    params: SamplingParams,
    placement: Placement = "system",
) -> GenerationRequest:
    messages = [ChatMessage(role="user", content=query.text)]
    mix = EmotionMix()
    if condition.method in ("steering", "prompt_steering") and condition.emotion:
        mix = EmotionMix(intensities={condition.emotion: condition.alpha})
    if condition.method in ("prompting", "prompt_steering") and prompts is not None and condition.emotion:
        messages = prompts.messages(condition.emotion, query.text, placement)
    return GenerationRequest(messages=tuple(messages), emotion=mix, params=params)


def _top(probabilities: dict[str, float]) -> str:
    return max(probabilities, key=probabilities.__getitem__)


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.fmean(finite) if finite else float("nan")


def _other_queries_top1(
    rows: Sequence[tuple[Condition, Query]],
    idx: Sequence[int],
    probs: Sequence[dict[str, float]],
    emotion: str,
) -> float | None:
    """Target top-1 over the queries whose stated emotion is another one (None if queries say nothing)."""
    hits = [
        float(_top(p) == emotion)
        for i, p in zip(idx, probs, strict=True)
        if rows[i][1].emotion is not None and rows[i][1].emotion != emotion
    ]
    return _mean(hits) if hits else None


def run_eval(
    engine: EmotiveEngine,
    queries: Sequence[Query],
    scorer: EmotionScorer | None,
    embedder: TextEmbedder,
    config: EvalConfig = EvalConfig(),
    *,
    prompts: EmotionPrompts | None = None,
    vectors_name: str = "",
    samples_per_condition: int = 2,
    on_progress: ProgressCallback | None = None,
    style_scorer: StyleScorer | None = None,
) -> EvalReport:
    """Generate every condition for every query, score, and aggregate per condition.

    `on_progress(done, total)` counts batches: generation batches, perplexity batches, then one step
    each for the judge and the topic embeddings. A condition whose emotion is one of
    `style_scorer.labels` has its target scored by the style judge.
    """
    chosen = spread(queries, config.limit)
    conditions = _conditions(config, config.prompting_baseline and prompts is not None)
    params = SamplingParams(
        max_new_tokens=config.max_new_tokens,
        repetition_penalty=config.repetition_penalty,
        no_repeat_ngram_size=config.no_repeat_ngram_size,
    )
    rows = [(c, q) for c in conditions for q in chosen]
    placement = config.prompt_placement
    requests = [_request(c, q, prompts, params, placement) for c, q in rows]
    size = engine.generator.max_batch_size  # the generator's own batches, run one at a time to count them
    starts, ppl_starts = range(0, len(rows), size), range(0, len(rows), _PPL_BATCH)
    step = stepper(on_progress, len(starts) + len(ppl_starts) + (scorer is not None) + 1)
    results: list[GenerationResult] = []
    for start in starts:
        results += engine.generate_batch(requests[start : start + size])
        step()
    texts = [r.text for r in results]
    # Fluency is judged as the paper does: the response under the plain (unsteered, no system) prompt.
    plain = [
        engine.generator.prompt_text(_request(Condition(method="unsteered"), q, None, params))
        for _, q in rows
    ]
    ppl: list[float] = []
    for start in ppl_starts:
        end = start + _PPL_BATCH
        ppl += perplexities(engine.loaded, plain[start:end], texts[start:end], batch_size=_PPL_BATCH)
        step()
    # Without a judge (e.g. calibration, which only needs fluency) emotion fields stay empty.
    readings = list(scorer.score(texts)) if scorer is not None else None
    if scorer is not None:
        step()
    topic = topic_similarity(embedder, [q.text for _, q in rows], texts)
    step()
    styles = set(style_scorer.labels) & set(config.emotions) if style_scorer is not None else set()
    style_probs = [r.probabilities for r in style_scorer.score(texts)] if style_scorer and styles else []
    metrics: list[ConditionMetrics] = []
    samples: list[Sample] = []
    for condition in conditions:
        idx = [i for i, (c, _) in enumerate(rows) if c == condition]
        emotion = condition.emotion
        probs = [readings[i].probabilities for i in idx] if readings is not None else []
        styled = emotion in styles
        target = [style_probs[i] for i in idx] if styled else probs
        judged = bool(target) and emotion is not None
        metrics.append(
            ConditionMetrics(
                condition=condition,
                n=len(idx),
                target_judge="style" if styled else "emotion",
                target_probability=_mean([p.get(emotion or "", 0.0) for p in target]) if judged else None,
                target_top1=_mean([float(_top(p) == emotion) for p in target]) if judged else None,
                target_top1_other_queries=(
                    _other_queries_top1(rows, idx, target, emotion) if judged and emotion else None
                ),
                valence=_mean([readings[i].valence for i in idx]) if readings is not None else float("nan"),
                distinct_2=_mean([distinct_n(texts[i], 2) for i in idx]),
                perplexity=_mean([ppl[i] for i in idx]),
                topic_similarity=_mean([topic[i] for i in idx]),
                mean_probabilities={k: _mean([p.get(k, 0.0) for p in probs]) for k in (probs or [{}])[0]},
                label_rates={k: _mean([float(_top(p) == k) for p in probs]) for k in (probs or [{}])[0]},
            )
        )
        for i in idx[:samples_per_condition]:
            p = readings[i].probabilities if readings is not None else {}
            samples.append(
                Sample(
                    condition=condition,
                    query=rows[i][1].text,
                    response=texts[i],
                    label=_top(p) if p else "",
                    probabilities=p,
                )
            )
    base = metrics[0]
    base_idx = [i for i, (c, _) in enumerate(rows) if c == base.condition]
    for m in metrics[1:] if config.unsteered else []:
        emotion = m.condition.emotion
        if emotion is not None and m.target_probability is not None:
            if emotion in styles:
                before = _mean([style_probs[i].get(emotion, 0.0) for i in base_idx])
            else:
                before = base.mean_probabilities.get(emotion, 0.0)
            m.target_probability_shift = m.target_probability - before
        m.distinct_2_ratio = m.distinct_2 / base.distinct_2 if base.distinct_2 else float("nan")
        m.perplexity_ratio = m.perplexity / base.perplexity if base.perplexity else float("nan")
        m.topic_similarity_ratio = (
            m.topic_similarity / base.topic_similarity if base.topic_similarity else float("nan")
        )
    return EvalReport(
        model=engine.model_name,
        vectors=vectors_name,
        config=config,
        queries=len(chosen),
        results=metrics,
        samples=samples,
    )
