"""Calibrate intensities: per emotion, the strongest alpha that keeps the model fluent and on topic.

"1.0" then means the same thing for every emotion and every model ("as strong as it gets before the
text degrades"), which raw alphas do not: EV norms vary ~30x across layers and between models.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.engine import EmotiveEngine
from emotive_agents.evaluation.harness import (
    ConditionMetrics,
    EmotionScorer,
    EvalConfig,
    EvalReport,
    run_eval,
)
from emotive_agents.evaluation.metrics import TextEmbedder
from emotive_agents.progress import ProgressCallback
from emotive_agents.vectors.queries import Query
from emotive_agents.vectors.vector_set import BASIC_EMOTIONS, EmotionVectorSet


class CalibrationConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    emotions: tuple[str, ...] = BASIC_EMOTIONS
    alphas: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
    min_distinct_2_ratio: float = 0.9
    max_perplexity_ratio: float = 1.5
    min_topic_similarity_ratio: float = 0.85
    limit: int | None = Field(default=40, ge=1)
    max_new_tokens: int = Field(default=48, ge=1)


class EmotionCalibration(BaseModel):
    emotion: str
    scale: float | None  # None: even the smallest alpha broke a limit
    passed: dict[str, bool]  # alpha (as text) -> within all limits
    stopped_at: float | None = None  # the first alpha that broke a limit (None: the whole grid passed)
    stopped_by: list[str] = Field(default_factory=list)  # the limits broken there (see LIMIT_NAMES)


LIMIT_NAMES = ("distinct_2", "perplexity", "topic")


def broken_limits(m: ConditionMetrics, config: CalibrationConfig) -> list[str]:
    """The fluency limits a condition misses: distinct-2, perplexity and topic, vs the unsteered run."""
    checks = (
        m.distinct_2_ratio >= config.min_distinct_2_ratio,
        m.perplexity_ratio <= config.max_perplexity_ratio,
        m.topic_similarity_ratio >= config.min_topic_similarity_ratio,
    )
    return [name for name, ok in zip(LIMIT_NAMES, checks, strict=True) if not ok]


def _within(report: EvalReport, emotion: str, alpha: float, config: CalibrationConfig) -> bool:
    return not broken_limits(report.find("steering", emotion, alpha), config)


def choose_scales(report: EvalReport, config: CalibrationConfig) -> list[EmotionCalibration]:
    """Largest alpha such that it and every smaller alpha stay within the limits."""
    out = []
    for emotion in config.emotions:
        passed = {f"{a:g}": _within(report, emotion, a, config) for a in sorted(config.alphas)}
        scale, stopped_at, stopped_by = None, None, []
        for alpha in sorted(config.alphas):
            if not passed[f"{alpha:g}"]:
                stopped_at = alpha
                stopped_by = broken_limits(report.find("steering", emotion, alpha), config)
                break
            scale = alpha
        out.append(
            EmotionCalibration(
                emotion=emotion, scale=scale, passed=passed, stopped_at=stopped_at, stopped_by=stopped_by
            )
        )
    return out


def calibrate(
    engine: EmotiveEngine,
    queries: Sequence[Query],
    embedder: TextEmbedder,
    config: CalibrationConfig = CalibrationConfig(),
    *,
    vectors_name: str = "",
    scorer: EmotionScorer | None = None,
    on_progress: ProgressCallback | None = None,
) -> tuple[EmotionVectorSet, EvalReport, list[EmotionCalibration]]:
    """Measure fluency over the alpha grid and return the vector set with `intensity_scale` set.

    The engine's vector set must be uncalibrated (scale 1.0) so that intensities equal alphas. With a
    `scorer` the sweep is also judged (the report then shows how much emotion each alpha buys); the
    choice itself depends on fluency and topic only. `on_progress(done, total)` counts the sweep's
    batches (see `run_eval`).
    """
    vector_set = engine.vector_set
    if vector_set is None:
        raise ValueError("calibration needs an engine with a vector set")
    if any(vector_set.metadata.scale(e) != 1.0 for e in config.emotions):
        raise ValueError("calibrate an uncalibrated set (intensity_scale 1.0 for every emotion)")
    sweep = EvalConfig(
        alphas=config.alphas,
        emotions=config.emotions,
        limit=config.limit,
        max_new_tokens=config.max_new_tokens,
        prompting_baseline=False,
    )
    report = run_eval(
        engine, queries, scorer, embedder, sweep, vectors_name=vectors_name, on_progress=on_progress
    )
    choices = choose_scales(report, config)
    # An emotion that breaks even at the smallest alpha keeps half of it: still usable, but gentle.
    scales = {c.emotion: c.scale if c.scale is not None else min(config.alphas) / 2 for c in choices}
    meta = vector_set.metadata.model_copy(
        update={
            "intensity_scale": {**vector_set.metadata.intensity_scale, **scales},
            "created": {
                **vector_set.metadata.created,
                "calibration": {
                    **config.model_dump(mode="json"),
                    "queries": report.queries,
                    "results": [c.model_dump() for c in choices],
                },
            },
        }
    )
    return EmotionVectorSet(vector_set.vectors, meta), report, choices
