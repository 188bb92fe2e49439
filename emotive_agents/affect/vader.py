"""VADER valence as a (coarse) classifier: a cheap, dependency-light fallback and tie-breaker.

VADER knows polarity, not discrete emotions, so a negative text's mass is spread over the four
negative labels (its top-1 among them is therefore uninformative); its strength is `valence`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS, AffectReading, reading
from emotive_agents.errors import ModelLoadError

EVEN_NEGATIVE_SPLIT: dict[str, float] = dict.fromkeys(NEGATIVE_LABELS, 0.25)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as exc:
        raise ModelLoadError("VADER needs the package vadersentiment: pip install vadersentiment") from exc
    return SentimentIntensityAnalyzer()


def compound_to_probabilities(
    compound: float, negative_split: Mapping[str, float] = EVEN_NEGATIVE_SPLIT
) -> dict[str, float]:
    """|compound| is the emotional mass (joy if positive, else split over negatives); the rest neutral."""
    strength = min(abs(compound), 1.0)
    probs = dict.fromkeys(LABELS, 0.0)
    probs["neutral"] = 1.0 - strength
    if compound > 0:
        probs["joy"] = strength
    else:
        total = sum(negative_split.values())
        for label, share in negative_split.items():
            probs[label] += strength * share / total
    return probs


class VaderClassifier:
    """Rule-based valence (VADER compound score); valence = compound."""

    def __init__(
        self, negative_split: Mapping[str, float] = EVEN_NEGATIVE_SPLIT, name: str = "vader"
    ) -> None:
        unknown = set(negative_split) - set(NEGATIVE_LABELS)
        if unknown or sum(negative_split.values()) <= 0:
            raise ValueError(f"negative_split must put positive weight on {NEGATIVE_LABELS}")
        self.negative_split = dict(negative_split)
        self.name = name

    def compound(self, texts: Sequence[str]) -> list[float]:
        analyzer = _analyzer()
        return [float(analyzer.polarity_scores(t)["compound"]) for t in texts]

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        return [
            reading(compound_to_probabilities(c, self.negative_split), valence=c)
            for c in self.compound(texts)
        ]
