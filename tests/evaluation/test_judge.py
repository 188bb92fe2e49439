"""The evaluation judge: validation arithmetic on a fake judge, the shipped check set, the wrapper."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from emotive_agents.affect.types import LABELS, AffectReading, reading
from emotive_agents.evaluation.judge import (
    DEFAULT_CHECKSET,
    CheckItem,
    CheckSet,
    EmotionJudge,
    load_checkset,
    validate_judge,
)

EXEMPLARS = DEFAULT_CHECKSET.parent / "exemplars.json"


class LookupJudge:
    """Answers from a table: text -> label it will call."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def score(self, texts: Sequence[str]) -> list[AffectReading]:
        return [reading({self.answers[t]: 0.9, "neutral": 0.1}) for t in texts]


def test_validate_judge_counts_hits_and_confusions() -> None:
    items = [
        CheckItem(text="a1", label="anger"),
        CheckItem(text="a2", label="anger"),
        CheckItem(text="a3", label="anger"),
        CheckItem(text="j1", label="joy"),
        CheckItem(text="s1", label="sadness"),
    ]
    judge = LookupJudge({"a1": "anger", "a2": "disgust", "a3": "disgust", "j1": "joy", "s1": "fear"})
    result = validate_judge(judge, CheckSet(items=items))
    assert result["n"] == 5
    assert result["accuracy"] == pytest.approx(2 / 5)
    assert result["per_label"]["anger"] == {"n": 3, "accuracy": pytest.approx(1 / 3)}
    assert result["per_label"]["joy"]["accuracy"] == 1.0
    assert result["per_label"]["sadness"]["accuracy"] == 0.0
    assert result["confusion"]["anger"] == {"anger": 1, "disgust": 2}
    assert result["top_confusions"][0] == {"gold": "anger", "predicted": "disgust", "count": 2}
    assert len(result["top_confusions"]) == 2


def test_validate_judge_refuses_an_empty_set() -> None:
    with pytest.raises(ValueError, match="empty"):
        validate_judge(LookupJudge({}), [])


def test_shipped_checkset_is_balanced_split_and_distinct_from_exemplars() -> None:
    checkset = load_checkset()
    labels = [i.label for i in checkset.items]
    for label in ("anger", "disgust", "fear", "joy", "sadness", "neutral"):
        assert labels.count(label) >= 20
        halves = [i.split for i in checkset.items if i.label == label]
        assert halves.count("tune") == halves.count("holdout")
    exemplar_texts = {t for texts in json.loads(EXEMPLARS.read_text())["exemplars"].values() for t in texts}
    texts = [i.text for i in checkset.items]
    assert len(set(texts)) == len(texts)
    assert not exemplar_texts & set(texts)
    assert {i.text for i in checkset.subset("tune").items}.isdisjoint(
        i.text for i in checkset.subset("holdout").items
    )


def test_load_checkset_refuses_unknown_labels(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"items": [{"text": "hi", "label": "boredom"}]}))
    with pytest.raises(ValueError, match="boredom"):
        load_checkset(path)


class ConstantClassifier:
    name = "constant"

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        return [reading({"fear": 1.0}) for _ in texts]

    def describe(self) -> dict[str, object]:
        return {"weights": {"x": 1.0}}


def test_emotion_judge_wraps_any_classifier() -> None:
    judge = EmotionJudge(ConstantClassifier())
    readings = judge.score(("one", "two"))
    assert [r.label for r in readings] == ["fear", "fear"]
    assert set(readings[0].probabilities) == set(LABELS)
    assert judge.describe() == {"classifier": "constant", "weights": {"x": 1.0}}
    assert validate_judge(judge, load_checkset())["per_label"]["fear"]["accuracy"] == 1.0
