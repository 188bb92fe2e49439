"""VADER and Nade: valence signs on obvious texts, and the mappings onto our labels."""

from __future__ import annotations

import pytest
from _affect_helpers import CLEAR, NEGATIVE, POSITIVE, accuracy

from emotive_agents.affect.nade_judge import plutchik_to_scores
from emotive_agents.affect.types import LABELS
from emotive_agents.affect.vader import VaderClassifier, compound_to_probabilities


def test_vader_valence_sign_on_obvious_texts() -> None:
    pytest.importorskip("vaderSentiment")
    vader = VaderClassifier()
    assert all(r.valence > 0.3 for r in vader.predict(POSITIVE))
    negative = [r.valence for r in vader.predict(NEGATIVE)]
    # VADER's one known miss here: "crying ... since my best friend moved away" scores +0.65 ("best friend").
    assert sum(v < 0 for v in negative) >= len(NEGATIVE) - 1
    assert sum(negative) / len(negative) < -0.4
    (plain,) = vader.predict(["The store opens at nine on weekdays."])
    assert plain.valence == 0.0
    assert plain.label == "neutral"


def test_vader_compound_mapping() -> None:
    positive = compound_to_probabilities(0.8)
    assert positive["joy"] == pytest.approx(0.8)
    assert positive["neutral"] == pytest.approx(0.2)
    negative = compound_to_probabilities(-0.8)
    assert [negative[label] for label in ("anger", "disgust", "fear", "sadness")] == pytest.approx([0.2] * 4)
    assert negative["joy"] == 0.0 and negative["surprise"] == 0.0
    skewed = compound_to_probabilities(-1.0, {"sadness": 3.0, "anger": 1.0})
    assert (skewed["sadness"], skewed["anger"], skewed["fear"]) == pytest.approx((0.75, 0.25, 0.0))


def test_vader_refuses_a_non_negative_split() -> None:
    with pytest.raises(ValueError):
        VaderClassifier({"joy": 1.0})


def test_plutchik_mapping() -> None:
    scores = plutchik_to_scores(
        {"anger": 0.1, "anticipation": 0.9, "joy": 0.2, "trust": 0.6, "surprise": 0.3},
        trust_to_joy=0.5,
        neutral_level=0.4,
    )
    assert set(scores) == set(LABELS)
    assert scores["joy"] == pytest.approx(0.2 + 0.5 * 0.6)
    assert scores["neutral"] == 0.4  # anticipation is dropped
    assert (scores["anger"], scores["surprise"], scores["fear"]) == (0.1, 0.3, 0.0)


def test_nade_reads_clear_sentences() -> None:
    pytest.importorskip("nade")
    from emotive_agents.affect.nade_judge import NadeClassifier

    nade = NadeClassifier()
    readings = nade.predict([t for t, _ in CLEAR])
    assert all(sum(r.probabilities.values()) == pytest.approx(1.0) for r in readings)
    assert accuracy(readings, [g for _, g in CLEAR]) >= NADE_MIN_ACCURACY
    assert all(r.valence > 0 for r in nade.predict(POSITIVE))
    assert nade.predict([]) == []


NADE_MIN_ACCURACY = 0.5  # measured 0.65 (13/20): anger and fear often fall under its neutral level
