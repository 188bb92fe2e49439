"""The shared vocabulary of every affect reader: labels, one reading, the classifier protocol.

The evaluation judge (scoring steered replies) and the affect router (reading the user) use the same
types, so any classifier can serve either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
NEGATIVE_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "sadness")
# Sign of each label for the probability-implied valence; surprise and neutral carry none.
VALENCE_SIGN: dict[str, float] = {"joy": 1.0, **dict.fromkeys(NEGATIVE_LABELS, -1.0)}


class AffectReading(BaseModel):
    """One text's emotion: a distribution over LABELS, a valence, and how sure the reader is."""

    model_config = ConfigDict(frozen=True)

    probabilities: dict[str, float]
    valence: float = Field(ge=-1.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("probabilities")
    @classmethod
    def _is_distribution(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(LABELS):
            raise ValueError(f"probabilities must have exactly the labels {LABELS}, got {sorted(value)}")
        if any(not math.isfinite(p) or p < 0 for p in value.values()):
            raise ValueError("probabilities must be finite and non-negative")
        if not math.isclose(sum(value.values()), 1.0, abs_tol=1e-4):
            raise ValueError(f"probabilities must sum to 1, got {sum(value.values()):.6f}")
        return {label: float(value[label]) for label in LABELS}  # canonical order

    @property
    def label(self) -> str:
        """The most probable label (ties go to the earlier label in LABELS)."""
        return max(LABELS, key=self.probabilities.__getitem__)


@runtime_checkable
class AffectClassifier(Protocol):
    """Anything that reads emotions from a batch of texts."""

    name: str

    def predict(self, texts: Sequence[str]) -> list[AffectReading]: ...


def implied_valence(probabilities: Mapping[str, float]) -> float:
    """P(joy) minus the negative mass: the valence a distribution implies, in [-1, 1]."""
    value = sum(VALENCE_SIGN.get(label, 0.0) * p for label, p in probabilities.items())
    return max(-1.0, min(1.0, value))


def reading(
    probabilities: Sequence[float] | Mapping[str, float], valence: float | None = None
) -> AffectReading:
    """Build a reading from raw scores in LABELS order (or a mapping), renormalising them.

    Valence defaults to the probability-implied one; confidence is the top probability.
    """
    if isinstance(probabilities, Mapping):
        values = [float(probabilities.get(label, 0.0)) for label in LABELS]
    else:
        values = [float(p) for p in probabilities]
    if len(values) != len(LABELS):
        raise ValueError(f"expected {len(LABELS)} scores, got {len(values)}")
    values = [max(v, 0.0) for v in values]
    total = sum(values)
    if total <= 0 or not math.isfinite(total):
        values, total = [1.0] * len(LABELS), float(len(LABELS))
    probs = {label: v / total for label, v in zip(LABELS, values, strict=True)}
    v = implied_valence(probs) if valence is None else max(-1.0, min(1.0, float(valence)))
    return AffectReading(probabilities=probs, valence=v, confidence=max(probs.values()))
