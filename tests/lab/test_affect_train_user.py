"""The user-turn corpus and the router-head trainer: validation, metrics, training on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from benchmarks.affect_train import Split
from benchmarks.affect_train_user import (
    UserTrial,
    _bake_shift,
    fit_temperature,
    macro_recall,
    train_user_head,
)
from emotive_agents.affect.embedding import AffectHead, HeadArchitecture
from emotive_agents.affect.goemotions import Example
from emotive_agents.affect.types import LABELS
from emotive_agents.affect.user_turns import USER_TURNS, load_user_turns

DATA = Path(USER_TURNS).parent.parent


def test_corpus_covers_every_label_in_both_splits_and_is_cc0() -> None:
    doc = json.loads(USER_TURNS.read_text())
    assert doc["licence"] == "CC0-1.0"
    for split in ("train", "tune"):
        rows = load_user_turns(split=split)
        assert {r.label for r in rows} == set(LABELS)
        assert min(sum(r.label == label for r in rows) for label in LABELS) >= 10
    texts = [r.text.lower() for r in load_user_turns()]
    assert len(texts) == len(set(texts))


def test_corpus_shares_no_text_with_the_router_sets_or_exemplars() -> None:
    seen: set[str] = set()
    for name in ("domain_messages.jsonl", "heldout_messages.jsonl"):
        lines = (DATA / "router" / name).read_text().splitlines()
        seen |= {json.loads(line)["text"].lower() for line in lines if line.strip()}
    for path in (DATA / "router" / "exemplars.json", DATA / "affect" / "exemplars.json"):
        seen |= {t.lower() for v in json.loads(path.read_text())["exemplars"].values() for t in v}
    # The burned blind sets are training rows now (source "heldout1-reader"/"heldout2-reader", checked in
    # tests/affect); the third blind set is evaluation data, so no training turn may repeat one of its texts.
    root = Path(__file__).resolve().parents[2] / "benchmarks"
    for folder in ("heldout3",):
        blind = root / folder / "reader" / "user_turns.jsonl"
        if blind.is_file():
            seen |= {
                json.loads(line)["text"].lower() for line in blind.read_text().splitlines() if line.strip()
            }
    assert not [r.text for r in load_user_turns() if r.text.lower() in seen]


def test_bad_rows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "turns.json"
    path.write_text(json.dumps({"turns": [{"text": "hi", "label": "happy", "split": "train"}]}))
    with pytest.raises(ValueError, match="label"):
        load_user_turns(path)
    path.write_text(json.dumps({"turns": [{"text": "hi", "label": "joy", "split": "test"}]}))
    with pytest.raises(ValueError, match="split"):
        load_user_turns(path)


def test_macro_recall_averages_the_labels_present() -> None:
    gold = ["joy", "joy", "anger", "fear"]
    assert macro_recall(gold, ["joy", "anger", "anger", "joy"]) == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert macro_recall(gold, gold, labels=("joy", "anger")) == 1.0


def test_baked_shift_subtracts_from_the_logits() -> None:
    torch.manual_seed(0)
    head = AffectHead(HeadArchitecture(kind="mlp", input_dim=8, hidden=4)).eval()
    x = torch.randn(5, 8)
    shift = torch.linspace(-1, 1, len(LABELS))
    with torch.no_grad():
        before = head(x)
        _bake_shift(head, shift)
        assert torch.allclose(head(x), before - shift, atol=1e-6)


def _blobs(labels: list[str], seed: int, dim: int = 16) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centres = torch.eye(len(LABELS), dim) * 4
    y = torch.tensor([LABELS.index(label) for label in labels])
    return centres[y] + torch.randn(len(labels), dim, generator=g) * 0.5


def test_train_user_head_learns_and_reports_its_choice() -> None:
    # "GoEmotions" with a joy-heavy prior; user turns balanced. Separable, so both should be learnt.
    goe_labels = ["joy"] * 140 + [label for label in LABELS for _ in range(20)]
    goe = Split([Example(text="", labels=(label,)) for label in goe_labels], _blobs(goe_labels, 0))
    dev = Split([Example(text="", labels=(label,)) for label in goe_labels], _blobs(goe_labels, 1))
    turn_labels = [label for label in LABELS for _ in range(6)]
    turns = (_blobs(turn_labels, 2), turn_labels)
    tune = (_blobs(turn_labels, 3), turn_labels)
    arch = HeadArchitecture(kind="mlp", input_dim=16, hidden=8)
    head, found = train_user_head(
        UserTrial(oversample=5, power=0.35), goe, dev, turns, tune, arch=arch, epochs=15, lr=3e-2
    )
    assert found["tune_macro_recall"] > 0.95
    assert 1 <= found["epoch"] <= 15 and found["beta"] in UserTrial(oversample=0, power=0).betas
    with torch.no_grad():
        logits = head(tune[0])
    assert macro_recall(turn_labels, [LABELS[i] for i in logits.argmax(-1).tolist()]) > 0.95
    assert 0.05 < fit_temperature(logits, turn_labels) < 20
