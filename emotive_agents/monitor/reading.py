"""The reading attached to every reply: `{"label", "probabilities", "valence"}` from an affect reader.

The default reader is the evaluation judge's ensemble (MiniLM head + reply exemplars + VADER), which
was validated on assistant-style replies; the router's own ensemble reads user messages instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from emotive_agents.affect.types import AffectClassifier, AffectReading

READERS: tuple[str, ...] = ("ensemble", "minilm", "exemplars", "vader")


class ReplyReading(BaseModel):
    """A reply's emotion: top label, the 7-label distribution and a valence in [-1, 1]."""

    model_config = ConfigDict(frozen=True)

    label: str
    probabilities: dict[str, float]
    valence: float

    @classmethod
    def from_affect(cls, reading: AffectReading) -> ReplyReading:
        return cls(
            label=reading.label,
            probabilities={k: round(v, 4) for k, v in reading.probabilities.items()},
            valence=round(reading.valence, 4),
        )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump()


class ReplyReader:
    """Reads replies with one affect classifier (thread-safe: the embedder is shared)."""

    def __init__(self, classifier: AffectClassifier) -> None:
        self.classifier = classifier
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.classifier.name

    def read_many(self, texts: Sequence[str]) -> list[ReplyReading]:
        if not texts:
            return []
        with self._lock:
            readings = self.classifier.predict([t if t.strip() else "." for t in texts])
        return [ReplyReading.from_affect(r) for r in readings]

    def read(self, text: str) -> ReplyReading:
        return self.read_many([text])[0]


def build_classifier(name: str = "ensemble", device: str = "cpu") -> AffectClassifier:
    """A reply reader by name: the judge's 'ensemble' (default), 'minilm', 'exemplars' or 'vader'."""
    if name == "ensemble":
        from emotive_agents.affect.ensemble import default_ensemble

        return default_ensemble(device)
    if name == "minilm":
        from emotive_agents.affect.embedding import EmbeddingClassifier

        return EmbeddingClassifier(device=device)
    if name == "exemplars":
        from emotive_agents.affect.exemplars import ExemplarClassifier

        return ExemplarClassifier(device=device)
    if name == "vader":
        from emotive_agents.affect.vader import VaderClassifier

        return VaderClassifier()
    raise ValueError(f"unknown reply reader {name!r}; choose one of {READERS}")


_SHARED: dict[tuple[str, str], ReplyReader] = {}
_SHARED_LOCK = threading.Lock()


def shared_reply_reader(name: str = "ensemble", device: str = "cpu") -> ReplyReader:
    """One reader per (name, device) per process: its models load once, on first use."""
    with _SHARED_LOCK:
        reader = _SHARED.get((name, device))
        if reader is None:
            reader = ReplyReader(build_classifier(name, device))
            _SHARED[(name, device)] = reader
        return reader


def register_reply_reader(name: str, classifier: AffectClassifier, device: str = "cpu") -> ReplyReader:
    """Make `classifier` the reader called `name` (for `reply_reader=name` in the integrations/server)."""
    reader = ReplyReader(classifier)
    with _SHARED_LOCK:
        _SHARED[(name, device)] = reader
    return reader
