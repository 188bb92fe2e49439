"""What `eval` and `calibrate` print when they finish: a short table a person can read, or one JSON object.

The numbers come straight from the `EvalReport` (the same values metrics.json holds); the fluency
limits are calibration's (distinct-2 >= 0.9x, perplexity <= 1.5x, topic >= 0.85x of unsteered).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from emotive_agents.evaluation.calibrate import (
    CalibrationConfig,
    EmotionCalibration,
    broken_limits,
)
from emotive_agents.evaluation.harness import EvalReport

MISS = "*"  # marks a cell outside its fluency limit


class Limits(BaseModel):
    min_distinct_2_ratio: float
    max_perplexity_ratio: float
    min_topic_similarity_ratio: float

    @classmethod
    def of(cls, config: CalibrationConfig) -> Limits:
        return cls(
            min_distinct_2_ratio=config.min_distinct_2_ratio,
            max_perplexity_ratio=config.max_perplexity_ratio,
            min_topic_similarity_ratio=config.min_topic_similarity_ratio,
        )

    def describe(self) -> str:
        return (
            f"distinct-2 >= {self.min_distinct_2_ratio:g}x, perplexity <= {self.max_perplexity_ratio:g}x, "
            f"topic >= {self.min_topic_similarity_ratio:g}x of unsteered"
        )


class EvalSummaryRow(BaseModel):
    method: str
    emotion: str | None
    alpha: float | None  # None for the unsteered and prompting rows
    target_top1: float | None
    target_probability_shift: float | None
    distinct_2_ratio: float
    perplexity_ratio: float
    topic_similarity_ratio: float
    misses: list[str]  # fluency limits this condition breaks: distinct_2, perplexity, topic


class EvalSummary(BaseModel):
    model: str
    vectors: str
    queries: int
    limits: Limits
    rows: list[EvalSummaryRow]
    files: list[str]
    # Check-set accuracy of the judges behind the scores ("emotion", "style"), when the report has them.
    judge_accuracy: dict[str, float | None] = Field(default_factory=dict)


class CalibrationSummaryRow(BaseModel):
    emotion: str
    scale: float  # the alpha that intensity 1.0 now means
    chosen: bool  # False: even the smallest alpha broke a limit, so half of it was kept
    stopped_at: float | None
    stopped_by: list[str]
    ratios_at_stop: dict[str, float]  # distinct_2 / perplexity / topic ratios at the stopping alpha


class CalibrationSummary(BaseModel):
    model: str
    alphas: list[float]
    queries: int
    limits: Limits
    rows: list[CalibrationSummaryRow]
    vectors: str
    files: list[str]


def eval_summary(
    report: EvalReport, files: Sequence[Path | str], config: CalibrationConfig = CalibrationConfig()
) -> EvalSummary:
    rows = []
    for m in report.results:
        c = m.condition
        rows.append(
            EvalSummaryRow(
                method=c.method,
                emotion=c.emotion,
                alpha=c.alpha if c.method == "steering" else None,
                target_top1=m.target_top1,
                target_probability_shift=m.target_probability_shift,
                distinct_2_ratio=m.distinct_2_ratio,
                perplexity_ratio=m.perplexity_ratio,
                topic_similarity_ratio=m.topic_similarity_ratio,
                misses=[] if c.method == "unsteered" else broken_limits(m, config),
            )
        )
    return EvalSummary(
        model=report.model,
        vectors=report.vectors,
        queries=report.queries,
        limits=Limits.of(config),
        rows=rows,
        files=[str(f) for f in files],
        judge_accuracy=_judge_accuracy(report.judge),
    )


def calibration_summary(
    report: EvalReport,
    choices: Sequence[EmotionCalibration],
    scales: dict[str, float],
    config: CalibrationConfig,
    *,
    vectors: Path | str,
    files: Sequence[Path | str],
) -> CalibrationSummary:
    rows = []
    for choice in choices:
        ratios: dict[str, float] = {}
        if choice.stopped_at is not None:
            m = report.find("steering", choice.emotion, choice.stopped_at)
            ratios = {
                "distinct_2": m.distinct_2_ratio,
                "perplexity": m.perplexity_ratio,
                "topic": m.topic_similarity_ratio,
            }
        rows.append(
            CalibrationSummaryRow(
                emotion=choice.emotion,
                scale=scales[choice.emotion],
                chosen=choice.scale is not None,
                stopped_at=choice.stopped_at,
                stopped_by=choice.stopped_by,
                ratios_at_stop=ratios,
            )
        )
    return CalibrationSummary(
        model=report.model,
        alphas=sorted(config.alphas),
        queries=report.queries,
        limits=Limits.of(config),
        rows=rows,
        vectors=str(vectors),
        files=[str(f) for f in files],
    )


def _num(value: float | None, digits: int = 2, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]


def _judge_accuracy(judge: Mapping[str, object]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, block in (("emotion", judge), ("style", judge.get("style_judge"))):
        check = block.get("check_set") if isinstance(block, Mapping) else None
        if isinstance(check, Mapping):
            accuracy = check.get("accuracy")
            out[name] = float(accuracy) if isinstance(accuracy, int | float) else None
    return out


def format_eval_summary(summary: EvalSummary) -> str:
    """Per emotion and alpha: target top-1, probability shift and the fluency ratios, misses marked."""
    header = ("emotion", "method", "alpha", "top-1", "shift", "distinct-2 x", "perplexity x", "topic x")
    rows = []
    for r in summary.rows:
        mark = {name: MISS if name in r.misses else "" for name in ("distinct_2", "perplexity", "topic")}
        rows.append(
            (
                r.emotion or "-",
                r.method,
                "-" if r.alpha is None else f"{r.alpha:g}",
                _num(r.target_top1),
                _num(r.target_probability_shift, 3, signed=True),
                _num(r.distinct_2_ratio) + mark["distinct_2"],
                _num(r.perplexity_ratio) + mark["perplexity"],
                _num(r.topic_similarity_ratio) + mark["topic"],
            )
        )
    missing = sum(bool(r.misses) for r in summary.rows)
    lines = [
        f"eval: {summary.model}, vectors {summary.vectors or '(none)'}, {summary.queries} queries",
        *_table(header, rows),
        f"{MISS} outside the fluency limits ({summary.limits.describe()}): "
        f"{missing} of {len(summary.rows) - 1} conditions",
        *(
            [
                "judges' check-set accuracy: "
                + ", ".join(f"{k} {_num(v)}" for k, v in summary.judge_accuracy.items())
            ]
            if summary.judge_accuracy
            else []
        ),
        *(f"wrote {path}" for path in summary.files),
    ]
    return "\n".join(lines)


_LIMIT_TEXT = {
    "distinct_2": ("distinct-2", "<", "min_distinct_2_ratio"),
    "perplexity": ("perplexity", ">", "max_perplexity_ratio"),
    "topic": ("topic", "<", "min_topic_similarity_ratio"),
}


def _stop_reason(row: CalibrationSummaryRow, limits: Limits) -> str:
    if row.stopped_at is None:
        return "none: every alpha on the grid passed"
    parts = []
    for name in row.stopped_by:
        label, sign, field = _LIMIT_TEXT[name]
        parts.append(f"{label} {_num(row.ratios_at_stop.get(name))}x {sign} {getattr(limits, field):g}x")
    return f"alpha {row.stopped_at:g}: " + ", ".join(parts)


def format_calibration_summary(summary: CalibrationSummary) -> str:
    """The alpha chosen per emotion and the limit that stopped the search."""
    header = ("emotion", "intensity 1.0 = alpha", "stopped by")
    rows = [
        (
            r.emotion,
            f"{r.scale:g}" if r.chosen else f"{r.scale:g} (smallest alpha failed; half of it kept)",
            _stop_reason(r, summary.limits),
        )
        for r in summary.rows
    ]
    grid = ", ".join(f"{a:g}" for a in summary.alphas)
    lines = [
        f"calibrate: {summary.model}, {summary.queries} queries, alphas {grid}",
        f"limits: {summary.limits.describe()}",
        *_table(header, rows),
        f"wrote {summary.vectors}",
        *(f"wrote {path}" for path in summary.files),
    ]
    return "\n".join(lines)
