"""Ensemble arithmetic on fake classifiers whose answers are known."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from _affect_helpers import FixedClassifier, one_hot

from emotive_agents.affect.ensemble import EnsembleClassifier
from emotive_agents.affect.types import AffectReading, reading


def test_weighted_average_of_probabilities() -> None:
    anger = FixedClassifier("a", one_hot("anger"))
    joy = FixedClassifier("b", one_hot("joy"))
    ensemble = EnsembleClassifier([anger, joy], {"a": 3.0, "b": 1.0}, valence_from=None)
    (r,) = ensemble.predict(["x"])
    assert ensemble.weights == {"a": 0.75, "b": 0.25}  # normalised
    assert r.probabilities["anger"] == pytest.approx(0.75)
    assert r.probabilities["joy"] == pytest.approx(0.25)
    assert r.label == "anger"
    assert r.valence == pytest.approx(0.25 - 0.75)  # implied valence only


def test_valence_blends_source_with_implied() -> None:
    joy = FixedClassifier("head", one_hot("joy"))  # implied valence +1
    vader = FixedClassifier("vader", one_hot("neutral"), valence=-0.5)
    ensemble = EnsembleClassifier([joy, vader], {"head": 1.0, "vader": 0.0}, valence_weight=0.25)
    (r,) = ensemble.predict(["x"])
    assert r.probabilities["joy"] == pytest.approx(1.0)  # zero weight: no probability mass from vader
    assert r.valence == pytest.approx(0.25 * -0.5 + 0.75 * 1.0)
    assert vader.calls == 1  # still run, for its valence


def test_zero_weight_members_that_give_no_valence_are_not_run() -> None:
    head = FixedClassifier("head", one_hot("joy"))
    idle = FixedClassifier("idle", one_hot("fear"))
    ensemble = EnsembleClassifier([head, idle], {"head": 1.0, "idle": 0.0}, valence_from=None)
    ensemble.predict(["x", "y"])
    assert (head.calls, idle.calls) == (1, 0)


def test_default_weights_are_equal() -> None:
    ensemble = EnsembleClassifier(
        [FixedClassifier("a", one_hot("joy")), FixedClassifier("b", one_hot("fear"))]
    )
    assert ensemble.weights == {"a": 0.5, "b": 0.5}
    assert ensemble.predict([]) == []


@pytest.mark.parametrize(
    ("weights", "message"),
    [({"a": 1.0, "zzz": 1.0}, "unknown"), ({"a": -1.0}, "non-negative"), ({"a": 0.0}, "positive sum")],
)
def test_bad_weights_are_refused(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EnsembleClassifier([FixedClassifier("a", one_hot("joy"))], weights)


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        EnsembleClassifier([FixedClassifier("a", one_hot("joy")), FixedClassifier("a", one_hot("fear"))])


class CountingEmbedder:
    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        self.calls += 1
        return torch.ones(len(texts), 4)


class EmbeddingFake:
    """Reads embeddings; its own predict must not be used when an ensemble shares the embedder."""

    def __init__(self, name: str, embedder: CountingEmbedder, label: str) -> None:
        self.name, self.embedder, self.label = name, embedder, label

    def predict_embeddings(self, embeddings: torch.Tensor) -> list[AffectReading]:
        return [reading(one_hot(self.label)) for _ in range(len(embeddings))]

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        return self.predict_embeddings(self.embedder.embed(texts))


def test_members_sharing_an_embedder_embed_once() -> None:
    embedder = CountingEmbedder()
    ensemble = EnsembleClassifier(
        [EmbeddingFake("a", embedder, "joy"), EmbeddingFake("b", embedder, "sadness")], valence_from=None
    )
    readings = ensemble.predict(["one", "two", "three"])
    assert embedder.calls == 1
    assert [r.probabilities["joy"] for r in readings] == pytest.approx([0.5] * 3)
    assert ensemble.describe()["weights"] == {"a": 0.5, "b": 0.5}
