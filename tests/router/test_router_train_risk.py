"""The risk head's training: rows from the corpus, a deterministic fit, a head the runtime loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from emotive_agents.router.risk_semantic import HEAD_DIR, RiskHead, SemanticRiskScorer, write_head
from emotive_agents.router.train_risk import CLASSES, corpus, fit, training_rows


def test_training_rows_use_only_the_train_split_and_every_class() -> None:
    data = corpus()
    texts, labels = training_rows(data)
    tune = {r["text"] for r in data["positives"] + data["negatives"] if r["split"] == "tune"}
    assert not tune & set(texts)
    assert set(labels) == set(range(len(CLASSES)))


def test_fit_is_deterministic_and_separates(tmp_path: Path) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(60, 16, generator=g), dim=-1)
    y = torch.arange(60) % len(CLASSES)
    x = x + torch.nn.functional.one_hot(y, 16).float()[:, :16]
    w1, b1 = fit(x, y)
    w2, b2 = fit(x, y)
    assert torch.equal(w1, w2) and torch.equal(b1, b2)
    assert ((x @ w1.T + b1).argmax(-1) == y).float().mean() > 0.9
    card = {
        "classes": list(CLASSES),
        "threshold": 0.4,
        "context_threshold": 0.4,
        "turn_floor": 0.2,
        "accumulate_decay": 0.5,
        "accumulate_threshold": 1.0,
        "accumulate_floor": 0.2,
    }
    write_head(tmp_path, w1, b1, card)
    head = RiskHead(tmp_path)
    assert head.card.threshold == 0.4 and torch.equal(head.weight, w1)


class Fixed:
    """A stand-in embedder: a fixed vector per text, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> torch.Tensor:
        self.calls += 1
        return torch.stack([torch.full((384,), float(len(t) % 7) / 7) for t in texts])


def test_the_shipped_head_loads_and_the_scorer_caches() -> None:
    head = RiskHead(HEAD_DIR)
    assert head.card.classes[0] == "none" and len(head.card.classes) == len(CLASSES)
    embedder = Fixed()
    scorer = SemanticRiskScorer(embedder=embedder, head=head)
    first = scorer.score(["a", "bb"])
    again = scorer.score(["bb", "a"])
    assert embedder.calls == 1 and [s.score for s in again] == [s.score for s in first[::-1]]
    assert all(0.0 <= s.score <= 1.0 and s.category in CLASSES[1:] for s in first)


def test_burned_sets_join_as_training_rows(tmp_path: Path) -> None:
    from emotive_agents.router.train_risk import with_burned

    (tmp_path / "risk_positive.jsonl").write_text(
        '{"text": "I want it all to stop for good.", "category": "passive_ideation"}\n'
    )
    (tmp_path / "risk_negative.jsonl").write_text(
        '{"text": "The match killed our season.", "kind": "games_sports"}\n'
    )
    data = with_burned(corpus(), [tmp_path])
    burned = [r for r in data["positives"] + data["negatives"] if r["split"] == "extra"]
    assert [r["source"] for r in burned] == [str(tmp_path)] * 2
    as_train = {k: [{**r, "split": "train"} for r in v] for k, v in data.items()}
    texts, _ = training_rows(as_train)
    assert "I want it all to stop for good." in texts and "The match killed our season." in texts


def test_tune_sets_pool_and_exclude_the_other_threshold_recipes(tmp_path: Path) -> None:
    from emotive_agents.router.train_risk import train

    with pytest.raises(ValueError, match="choose one"):
        train(tmp_path, extra_tune=tmp_path, tune_set=[tmp_path, tmp_path])
    with pytest.raises(ValueError, match="choose one"):
        train(tmp_path, folds=3, tune_set=tmp_path)
