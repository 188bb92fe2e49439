"""The fixed dev/test split: seeded, disjoint, every EmotionQuery+ block represented."""

from __future__ import annotations

from collections import Counter

import pytest

from emotive_agents.evaluation.splits import SplitSizes, emotionquery_splits, make_splits
from emotive_agents.vectors.queries import Query

QUERIES = [Query(text=f"query {i}") for i in range(400)]


def test_splits_are_disjoint_labelled_and_reproducible() -> None:
    splits = emotionquery_splits(QUERIES)
    dev, test = splits["dev"], splits["test"]
    assert not {q.text for q in dev} & {q.text for q in test}
    assert Counter(q.emotion for q in test) == {
        "anger": 12,
        "disgust": 12,
        "fear": 12,
        "joy": 12,
        "sadness": 12,
        "neutral": 40,
    }
    assert Counter(q.emotion for q in dev)["anger"] == 4
    assert all(q.text in {f"query {i}" for i in range(50)} for q in test if q.emotion == "anger")
    assert emotionquery_splits(QUERIES) == splits
    assert emotionquery_splits(QUERIES, seed=1) != splits


def test_dev_adds_project_queries_and_sizes_are_checked() -> None:
    dev = make_splits(QUERIES)["dev"]
    assert len(dev) == 40 and sum(q.emotion is None for q in dev) == 10
    with pytest.raises(ValueError, match="do not fit"):
        emotionquery_splits(QUERIES, SplitSizes(dev_per_emotion=30, test_per_emotion=30))
