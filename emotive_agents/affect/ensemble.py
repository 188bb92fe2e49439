"""Weighted average of several affect classifiers: the evaluation judge (the router builds its own mix).

Members fail differently (the GoEmotions head knows Reddit, exemplars know assistant replies, Nade knows
emoji-laden social media, VADER knows only polarity), so averaging them is steadier than any one.
Members that share an embedder get each text embedded once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import torch

from emotive_agents.affect.embedding import TextEmbedder
from emotive_agents.affect.types import LABELS, AffectClassifier, AffectReading, implied_valence, reading
from emotive_agents.errors import ModelLoadError

log = logging.getLogger(__name__)

# Chosen on GoEmotions dev + the check set's "tune" half by `python -m benchmarks.affect_compare`
# (data/affect/judge_report.json). The runners-up are within 0.005 of the objective; Nade at 0.1 is
# among them, so the zero here means "adds nothing measurable", not "harmful".
DEFAULT_WEIGHTS: dict[str, float] = {"minilm-head": 0.4, "exemplars": 0.5, "nade": 0.0, "vader": 0.1}
DEFAULT_VALENCE_WEIGHT = 0.5


@runtime_checkable
class EmbeddingReader(Protocol):
    """A classifier that can read precomputed sentence embeddings."""

    embedder: TextEmbedder

    def predict_embeddings(self, embeddings: torch.Tensor) -> list[AffectReading]: ...


class EnsembleClassifier:
    """probabilities = weighted mean of the members'; valence = blend of one member's (VADER) and implied."""

    def __init__(
        self,
        members: Sequence[AffectClassifier],
        weights: Mapping[str, float] | None = None,
        *,
        valence_from: str | None = "vader",
        valence_weight: float = DEFAULT_VALENCE_WEIGHT,
        name: str = "ensemble",
    ) -> None:
        names = [m.name for m in members]
        if len(set(names)) != len(names):
            raise ValueError(f"member names must be unique, got {names}")
        weights = dict.fromkeys(names, 1.0) if weights is None else dict(weights)
        unknown = set(weights) - set(names)
        if unknown:
            raise ValueError(f"weights for unknown members {sorted(unknown)} (members: {names})")
        if any(w < 0 for w in weights.values()) or sum(weights.get(n, 0.0) for n in names) <= 0:
            raise ValueError("weights must be non-negative with a positive sum over the members")
        if not 0.0 <= valence_weight <= 1.0:
            raise ValueError("valence_weight must be in [0, 1]")
        total = sum(weights.get(n, 0.0) for n in names)
        self.weights = {n: weights.get(n, 0.0) / total for n in names}
        self.valence_from = valence_from if valence_from in names else None
        self.valence_weight = valence_weight if self.valence_from else 0.0
        # A zero-weight member still runs when it supplies the valence.
        self.members = [m for m in members if self.weights[m.name] > 0 or m.name == self.valence_from]
        self.name = name

    def describe(self) -> dict[str, Any]:
        """Settings worth recording next to any score this ensemble produced."""
        return {
            "name": self.name,
            "weights": self.weights,
            "valence_from": self.valence_from,
            "valence_weight": self.valence_weight,
        }

    def member_readings(self, texts: Sequence[str]) -> dict[str, list[AffectReading]]:
        """Each running member's readings, embedding the texts once per distinct embedder."""
        embedded: dict[int, torch.Tensor] = {}
        out: dict[str, list[AffectReading]] = {}
        for member in self.members:
            if isinstance(member, EmbeddingReader):
                key = id(member.embedder)
                if key not in embedded:
                    embedded[key] = member.embedder.embed(list(texts))
                out[member.name] = member.predict_embeddings(embedded[key])
            else:
                out[member.name] = member.predict(texts)
        return out

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        if not texts:
            return []
        per_member = self.member_readings(texts)
        out = []
        for i in range(len(texts)):
            probs = {
                label: sum(
                    w * per_member[n][i].probabilities[label] for n, w in self.weights.items() if w > 0
                )
                for label in LABELS
            }
            valence = implied_valence(probs)
            if self.valence_from is not None:
                source = per_member[self.valence_from][i].valence
                valence = self.valence_weight * source + (1 - self.valence_weight) * valence
            out.append(reading(probs, valence=valence))
        return out


def default_ensemble(
    device: str = "cpu",
    weights: Mapping[str, float] | None = None,
    *,
    valence_weight: float = DEFAULT_VALENCE_WEIGHT,
    skip_unavailable: bool = True,
) -> EnsembleClassifier:
    """MiniLM head + exemplars + Nade + VADER with the default weights.

    A member whose package or file is missing is left out (with a warning) when `skip_unavailable`,
    and the remaining weights are renormalised.
    """
    from emotive_agents.affect.embedding import EmbeddingClassifier
    from emotive_agents.affect.exemplars import ExemplarClassifier
    from emotive_agents.affect.nade_judge import NadeClassifier
    from emotive_agents.affect.vader import VaderClassifier

    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    builders: dict[str, Any] = {
        "minilm-head": lambda: EmbeddingClassifier(device=device),
        "exemplars": lambda: ExemplarClassifier(device=device),
        "nade": NadeClassifier,
        "vader": VaderClassifier,
    }
    unknown = set(weights) - set(builders)
    if unknown:
        raise ValueError(f"unknown ensemble members {sorted(unknown)}; known: {sorted(builders)}")
    members: list[AffectClassifier] = []
    for name, build in builders.items():
        if weights.get(name, 0.0) <= 0 and name != "vader":
            continue
        try:
            members.append(build())
        except ModelLoadError as exc:
            if not skip_unavailable:
                raise
            log.warning("affect ensemble: leaving out %s (%s)", name, exc)
            weights.pop(name, None)
    return EnsembleClassifier(
        members,
        {n: w for n, w in weights.items() if n in {m.name for m in members}},
        valence_weight=valence_weight,
    )
