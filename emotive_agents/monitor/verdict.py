"""When does a reply read against its request, and what does the one retry round change?

Five checks, each cheap and explainable: a calm/positive request answered angry, disgusted or afraid;
a suppressed (negative-intensity) emotion dominating; a distressed user answered with celebration; a
looping reply (low distinct-2); and, when none of those fired, a reply whose label is not one the mix
reads as (`off_tone`, e.g. joy for a calm request). The retry's mix moves each emotion a bounded step
and never raises a negative emotion above what was asked, nor the total intensity above
max(asked, 1.0), so the guard rails of a policy that chose the mix still hold. It also adds one tone
sentence to the system prompt and samples a few candidates, because the mix alone rarely moves this
model's wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.affect.types import NEGATIVE_LABELS
from emotive_agents.evaluation.metrics import _ngrams, distinct_n
from emotive_agents.monitor.reading import ReplyReading
from emotive_agents.monitor.tone import expected_reads, instruction_for

POSITIVE_STYLES: tuple[str, ...] = ("joy", "calm", "encouraging", "patient")
HOSTILE: tuple[str, ...] = ("anger", "disgust", "fear")
GUARDED: tuple[str, ...] = NEGATIVE_LABELS


class MonitorThresholds(BaseModel):
    """The knobs of the checks and of the retry's adjustment (frozen before the held-out measurement)."""

    model_config = ConfigDict(frozen=True)

    min_distinct2: float = Field(default=0.6, ge=0.0, le=1.0)
    min_bigrams: int = Field(default=8, ge=1, description="Shorter replies are never called loops.")
    distress_mass: float = Field(default=0.35, ge=0.0, le=1.0)  # the shipped policies' distress test
    distress_valence: float = Field(default=-0.3, ge=-1.0, le=1.0)
    step: float = Field(default=0.3, gt=0.0, le=1.0, description="How far the retry moves an emotion.")
    joy_step: float = Field(
        default=0.6,
        gt=0.0,
        le=2.0,
        description="How far below min(asked, 0) joy goes when it showed unasked.",
    )
    loop_scale: float = Field(default=0.5, gt=0.0, le=1.0, description="Mix scale for a looping reply.")
    off_tone: bool = Field(
        default=True, description="Also retry a reply whose label the mix does not read as."
    )
    expected_share: float = Field(
        default=0.4,
        gt=0.0,
        le=1.0,
        description="An emotion shapes the expected reading at this share of the top.",
    )
    instruction: bool = Field(default=True, description="Add the tone sentence to the retry's system prompt.")
    candidates: int = Field(default=4, ge=1, le=8, description="Retry samples; the reader keeps the best.")
    temperature: float = Field(default=0.8, ge=0.0, le=2.0, description="The retry samples' temperature.")
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    max_tokens_per_word: float = Field(
        default=1.6,
        gt=0.0,
        description="A candidate costlier per word than this (and than the first reply"
        " plus the margin) is not fluent enough to replace it.",
    )
    fluency_margin: float = Field(default=0.2, ge=0.0)


class Verdict(BaseModel):
    """Whether a reply reads as requested; `reasons` are stable codes, `notes` say why in words."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    reasons: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    distinct2: float = 1.0


class RetryPlan(BaseModel):
    """The retry round: its mix, sampling overrides, the tone sentence and how many candidates."""

    model_config = ConfigDict(frozen=True)

    mix: dict[str, float]
    sampling: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    instruction: str | None = None  # appended to the system prompt of every candidate
    candidates: int = Field(default=1, ge=1)
    expected: list[str] = Field(default_factory=list)  # what the request reads as (for choosing)


# How bad each problem is when the loop compares attempts: a hostile reply to a positive request is
# worse than any one of the others, so a retry never trades, say, a suppressed sadness for anger.
REASON_WEIGHTS: dict[str, float] = {"hostile_for_positive": 2.0}


def severity(verdict: Verdict) -> float:
    return sum(REASON_WEIGHTS.get(reason, 1.0) for reason in verdict.reasons)


def is_distressed(reading: ReplyReading, thresholds: MonitorThresholds) -> bool:
    mass = sum(reading.probabilities.get(label, 0.0) for label in NEGATIVE_LABELS)
    return mass >= thresholds.distress_mass or reading.valence <= thresholds.distress_valence


def check_reply(
    mix: Mapping[str, float],
    reading: ReplyReading,
    text: str,
    *,
    user: ReplyReading | None = None,
    thresholds: MonitorThresholds | None = None,
) -> Verdict:
    """Does the reply (its reading and text) read against the requested mix (and the user's state)?"""
    t = thresholds or MonitorThresholds()
    reasons, notes = [], []
    label = reading.label
    asked_positive = [e for e in POSITIVE_STYLES if mix.get(e, 0.0) > 0]
    if asked_positive and label in HOSTILE:
        reasons.append("hostile_for_positive")
        notes.append(f"{'/'.join(asked_positive)} was asked for and the reply reads {label}")
    if mix.get(label, 0.0) < 0:
        reasons.append("suppressed_dominates")
        notes.append(f"{label} was suppressed ({mix[label]:+.2f}) and dominates the reply")
    if user is not None and is_distressed(user, t) and label == "joy":
        reasons.append("celebrating_distress")
        notes.append(f"the user reads distressed ({user.label}) and the reply reads joyful")
    d2 = distinct_n(text, 2)
    if len(_ngrams(text, 2)) >= t.min_bigrams and d2 < t.min_distinct2:
        reasons.append("loop")
        notes.append(f"the reply loops (distinct-2 {d2:.2f} < {t.min_distinct2:.2f})")
    expected = expected_of(mix, user, t)
    if t.off_tone and not reasons and expected and label not in expected:
        reasons.append("off_tone")
        notes.append(f"the mix reads as {'/'.join(sorted(expected))} and the reply reads {label}")
    return Verdict(ok=not reasons, reasons=reasons, notes=notes, distinct2=round(d2, 4))


def expected_of(
    mix: Mapping[str, float], user: ReplyReading | None, thresholds: MonitorThresholds
) -> frozenset[str]:
    """The labels the request reads as, given the user's state (see `tone.expected_reads`)."""
    distressed = user is not None and is_distressed(user, thresholds)
    return expected_reads(mix, distressed=distressed, share=thresholds.expected_share)


def plan_retry(
    mix: Mapping[str, float],
    verdict: Verdict,
    reading: ReplyReading,
    *,
    user: ReplyReading | None = None,
    available: Iterable[str] | None = None,
    thresholds: MonitorThresholds | None = None,
    seed: int | None = None,
) -> RetryPlan:
    """The one retry round: adjusted mix, tone sentence, candidates (bounded; see the module docstring).

    `seed` is the request's: candidate k then samples with seed + k (reproducible, and distinct).
    """
    t = thresholds or MonitorThresholds()
    asked = {k: float(v) for k, v in mix.items()}
    known = None if available is None else set(available)
    out = dict(asked)
    notes: list[str] = []
    sampling: dict[str, Any] = {}
    label = reading.label

    def push(name: str, delta: float, why: str) -> None:
        if known is not None and name not in known:
            return
        out[name] = out.get(name, 0.0) + delta
        notes.append(f"{name} {delta:+.2f} ({why})")

    if "loop" in verdict.reasons:
        out = {k: v * t.loop_scale for k, v in out.items()}
        notes.append(f"mix scaled by {t.loop_scale} (loop)")
        sampling = {"no_repeat_ngram_size": 3, "repetition_penalty": 1.2}
    if "hostile_for_positive" in verdict.reasons:
        push(label, -t.step, f"reply read {label}")
        strongest = max((e for e in POSITIVE_STYLES if asked.get(e, 0.0) > 0), key=asked.__getitem__)
        push(strongest, t.step, "asked for")
    if "suppressed_dominates" in verdict.reasons and "hostile_for_positive" not in verdict.reasons:
        push(label, -t.step, "suppressed yet dominant")
    expected = expected_of(asked, user, t)
    joy_unwanted = "celebrating_distress" in verdict.reasons or (
        "off_tone" in verdict.reasons and label == "joy"
    )
    if joy_unwanted:  # far enough to matter: this model's stock opening is joyful
        why = "celebrating a distressed user" if "celebrating_distress" in verdict.reasons else "joy unasked"
        push("joy", min(asked.get("joy", 0.0), 0.0) - out.get("joy", 0.0) - t.joy_step, why)
        if "calm" not in asked or asked["calm"] > 0:
            push("calm", t.step, "the calm tone asked for")
    elif "off_tone" in verdict.reasons:
        if label in GUARDED and label not in expected:
            push(label, -t.step, f"reply read {label}")
        want = "calm" if "neutral" in expected else "joy"  # a flat reply to a joyful request: more joy
        push(want, t.step, f"the mix reads as {'/'.join(sorted(expected))}")
    bounded = _bounded(asked, out, notes)
    if t.candidates > 1 and t.temperature > 0:
        sampling = {**sampling, "temperature": t.temperature, "top_p": t.top_p}
        if seed is not None:
            sampling["seed"] = seed
    return RetryPlan(
        mix=bounded,
        sampling=sampling,
        notes=notes,
        instruction=instruction_for(expected) if t.instruction else None,
        candidates=t.candidates if t.temperature > 0 else 1,
        expected=sorted(expected),
    )


def _bounded(asked: Mapping[str, float], out: Mapping[str, float], notes: list[str]) -> dict[str, float]:
    """Positives at most max(asked, 1.0); anger/disgust/fear/sadness never above what was asked;
    total at most max(asked total, 1.0), reached by shrinking only the other emotions (scaling a
    suppressed negative toward zero would raise it above what was asked)."""
    bounded = {}
    for name, value in out.items():
        if name in GUARDED:
            value = min(value, asked.get(name, 0.0))
        elif value > 0:
            value = min(value, max(asked.get(name, 0.0), 1.0))
        value = max(value, -1.0) if asked.get(name, 0.0) >= -1.0 else max(value, asked[name])
        if abs(value) > 1e-9:
            bounded[name] = value
    cap = max(sum(abs(v) for v in asked.values()), 1.0)
    total = sum(abs(v) for v in bounded.values())
    if total > cap + 1e-9:
        fixed = sum(abs(v) for k, v in bounded.items() if k in GUARDED and v < 0)
        free = total - fixed
        factor = max(cap - fixed, 0.0) / free if free > 0 else 1.0
        bounded = {k: v if (k in GUARDED and v < 0) else v * factor for k, v in bounded.items()}
        notes.append(f"total intensity scaled to {cap:.2f}")
    return {k: round(v, 4) for k, v in bounded.items() if abs(v) > 1e-9}
