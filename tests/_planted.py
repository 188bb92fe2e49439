"""Planted readers: a reply reads however the test needs (the real judge is tested in tests/affect)."""

from __future__ import annotations

from collections.abc import Sequence

from emotive_agents.affect.types import AffectReading, reading


def peaked(label: str, p: float = 0.8) -> AffectReading:
    from emotive_agents.affect.types import LABELS

    rest = (1 - p) / (len(LABELS) - 1)
    return reading({name: p if name == label else rest for name in LABELS})


class PlantedReader:
    """Reads the first `bad_calls` texts as `bad`, everything after as `good`; counts its calls."""

    def __init__(self, bad: str = "anger", good: str = "joy", bad_calls: int = 10**9, name: str = "planted"):
        self.name = name
        self.bad, self.good, self.bad_calls = bad, good, bad_calls
        self.texts: list[str] = []

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        out = []
        for text in texts:
            self.texts.append(text)
            out.append(peaked(self.bad if len(self.texts) <= self.bad_calls else self.good))
        return out
