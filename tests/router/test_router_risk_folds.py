"""Cross-validated thresholds: seeded stratified folds, recall first within the false-alarm budget."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import torch

from emotive_agents.router.risk_folds import (
    CLASSES,
    Scored,
    breakdown,
    choose_threshold,
    cross_validate,
    rates,
    stratified_folds,
)


def test_folds_are_seeded_and_stratified() -> None:
    rows = [{"kind": k} for k in "a" * 10 + "b" * 6 + "c" * 1]
    folds = stratified_folds(rows, "kind", 2)
    assert folds == stratified_folds(rows, "kind", 2)
    by = Counter((r["kind"], f) for r, f in zip(rows, folds, strict=True))
    assert by[("a", 0)] == by[("a", 1)] == 5 and by[("b", 0)] == by[("b", 1)] == 3
    assert set(folds) == {0, 1}
    with pytest.raises(ValueError, match="at least 2"):
        stratified_folds(rows, "kind", 1)


def _rows() -> list[Scored]:
    pos = [Scored(label="p", positive=True, raw=s, pattern=False) for s in (0.9, 0.8, 0.3)]
    pos.append(Scored(label="q", positive=True, raw=0.01, pattern=True))  # a pattern hit counts anyway
    neg = [Scored(label="n", positive=False, raw=s, pattern=False) for s in [0.5] + [0.1] * 19]
    return pos + neg


def test_threshold_is_the_most_recall_within_the_budget() -> None:
    rows = _rows()
    # 0.3 flags every positive and only the 0.5 negative: 1/20 = 5 % is within a 5 % budget
    assert choose_threshold(rows, 0.05) == 0.3
    assert rates(rows, 0.3) == (1.0, 0.05)
    # with no false alarm allowed, the lowest threshold above the 0.5 negative
    t = choose_threshold(rows, 0.0)
    assert 0.5 < t <= 0.8 and rates(rows, t) == (0.75, 0.0)


def test_breakdown_counts_per_category_and_kind() -> None:
    report = breakdown(_rows(), 0.3)
    assert report["recall_by_category"] == {"p": "3/3", "q": "1/1"}
    assert report["false_alarms_by_kind"] == {"n": "1/20"}
    assert report["positives"] == 4 and report["negatives"] == 20


class _Embedder:
    """A stand-in embedder: one fixed direction per text length parity."""

    def embed(self, texts: list[str]) -> torch.Tensor:
        return torch.stack([torch.full((384,), float(len(t) % 2)) for t in texts])


class _Trainer:
    """Records the rows each fold trains on; its head reads the stand-in embedder."""

    def __init__(self) -> None:
        self.trained: list[set[str]] = []

    def fit(self, data: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        texts = {r["text"] for key in ("positives", "negatives") for r in data[key] if r["split"] == "train"}
        self.trained.append(texts)
        return {
            "w": torch.zeros(len(CLASSES), 384),
            "b": torch.zeros(len(CLASSES)),
            "rows": len(texts),
            "shipped": _Embedder(),
            "full": _Embedder(),
        }


def test_cross_validation_scores_each_row_with_a_head_that_never_trained_on_it() -> None:
    positives = [{"text": f"positive {i}", "category": "nssi", "split": "tune"} for i in range(4)]
    negatives = [{"text": f"negative {i}", "kind": "idiom", "split": "extra"} for i in range(4)]
    always = {"text": "a corpus train row", "category": "nssi", "split": "train"}
    trainer = _Trainer()
    data = {"positives": [*positives, always], "negatives": negatives, "conversations": []}
    oof = cross_validate(trainer, data, 2)
    assert len(oof["shipped"]) == len(oof["full"]) == 8  # every pooled row once, the train row never
    assert all(always["text"] in t for t in trainer.trained) and len(trainer.trained) == 2
    pooled = {r["text"] for r in positives + negatives}
    held = [pooled - t for t in trainer.trained]
    assert held[0] | held[1] == pooled and not held[0] & held[1]
    assert all(0.0 <= r.raw <= 1.0 for r in oof["shipped"])
