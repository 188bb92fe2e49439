"""AffectReading validation and the helpers every classifier uses to build readings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from emotive_agents.affect.types import LABELS, AffectReading, implied_valence, reading


def test_reading_normalises_and_takes_argmax() -> None:
    r = reading([2.0, 0, 0, 6.0, 0, 0, 2.0])
    assert sum(r.probabilities.values()) == pytest.approx(1.0)
    assert r.probabilities["joy"] == pytest.approx(0.6)
    assert r.label == "joy"
    assert r.confidence == pytest.approx(0.6)
    assert r.valence == pytest.approx(0.6 - 0.2)  # joy minus anger; neutral carries no valence


def test_reading_from_mapping_fills_missing_labels_and_keeps_explicit_valence() -> None:
    r = reading({"sadness": 3.0, "neutral": 1.0}, valence=-2.0)
    assert list(r.probabilities) == list(LABELS)
    assert r.probabilities["sadness"] == pytest.approx(0.75)
    assert r.valence == -1.0  # clipped into [-1, 1]


def test_all_zero_scores_become_uniform() -> None:
    r = reading([0.0] * 7)
    assert list(r.probabilities.values()) == pytest.approx([1 / 7] * 7)


def test_reading_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="expected 7"):
        reading([1.0, 2.0])


@pytest.mark.parametrize(
    "probabilities",
    [
        {"joy": 1.0},  # labels missing
        {**dict.fromkeys(LABELS, 0.0), "joy": 0.5},  # does not sum to 1
        {**dict.fromkeys(LABELS, 0.0), "joy": 1.5, "anger": -0.5},  # negative
    ],
)
def test_affect_reading_validates_its_distribution(probabilities: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        AffectReading(probabilities=probabilities, valence=0.0, confidence=0.5)


def test_implied_valence_signs() -> None:
    assert implied_valence({"joy": 0.8, "sadness": 0.2}) == pytest.approx(0.6)
    assert implied_valence({"fear": 0.5, "disgust": 0.5}) == pytest.approx(-1.0)
    assert implied_valence({"surprise": 0.5, "neutral": 0.5}) == 0.0
