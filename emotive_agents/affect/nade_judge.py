"""Nade (PyPI `nade`): emoji-prediction -> Plutchik-8 intensities, mapped onto our labels.

Independent of GoEmotions and of MiniLM (fastText + LightGBM trained on social media), which is what
makes it useful in a judge ensemble. Plutchik -> ours: anger, disgust, fear, joy, sadness and surprise
map one to one; trust (acceptance, admiration) adds `trust_to_joy` of itself to joy, as GoEmotions' own
Ekman mapping files admiration and approval under joy; anticipation (interest, expectancy) is dropped,
because in a chat reply it mostly marks a forward-looking but unemotional text, which is the role of
the constant `neutral_level`. Intensities are turned into probabilities by softmax(score / temperature).
Defaults were chosen on GoEmotions dev by `python -m benchmarks.affect_compare`
(data/affect/judge_report.json).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from emotive_agents.affect.types import LABELS, AffectReading, reading
from emotive_agents.errors import ModelLoadError

PLUTCHIK: tuple[str, ...] = (
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "sadness",
    "surprise",
    "trust",
)


@lru_cache(maxsize=1)
def _nade() -> Any:
    """One Nade per process (~0.5 s to load; it unpacks its LightGBM files on first use)."""
    try:
        from nade import Nade
    except ImportError as exc:
        raise ModelLoadError("The Nade classifier needs the package nade: pip install nade==0.3.1") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unpack <label> model" on first use
            return Nade()
    except (OSError, AssertionError) as exc:
        raise ModelLoadError(f"Could not load Nade's bundled models: {exc}") from exc


def plutchik_to_scores(
    intensities: Mapping[str, float], trust_to_joy: float = 0.5, neutral_level: float = 0.35
) -> dict[str, float]:
    """Scores over LABELS (not yet normalised) from Plutchik-8 intensities in [0, 1]."""
    scores = {label: float(intensities.get(label, 0.0)) for label in LABELS if label != "neutral"}
    scores["joy"] += trust_to_joy * float(intensities.get("trust", 0.0))
    scores["neutral"] = neutral_level
    return scores


class NadeClassifier:
    """Plutchik intensities from Nade, as a distribution over LABELS."""

    def __init__(
        self,
        *,
        trust_to_joy: float = 0.5,
        neutral_level: float = 0.35,
        temperature: float = 0.15,
        name: str = "nade",
    ) -> None:
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        self.trust_to_joy, self.neutral_level, self.temperature = trust_to_joy, neutral_level, temperature
        self.name = name
        _nade()  # fail at construction, not on the first turn

    def intensities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Nade's raw Plutchik-8 intensities, one dict per text."""
        if not texts:
            return []
        raw = _nade().predict([t if t.strip() else "." for t in texts])
        columns = {label: raw[label].to_pylist() for label in PLUTCHIK}
        return [{label: float(columns[label][i]) for label in PLUTCHIK} for i in range(len(texts))]

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        out = []
        for row in self.intensities(texts):
            scores = plutchik_to_scores(row, self.trust_to_joy, self.neutral_level)
            top = max(scores.values())
            out.append(reading({k: math.exp((v - top) / self.temperature) for k, v in scores.items()}))
        return out
