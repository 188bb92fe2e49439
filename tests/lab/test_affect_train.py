"""The MiniLM head trainer (benchmarks/affect_train.py), on tiny data written by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from _affect_helpers import CLEAR, write_dataset

from benchmarks.affect_train import Split, TrialConfig, class_weights, fit_temperature, main, train_head
from emotive_agents.affect.embedding import HeadArchitecture, load_head
from emotive_agents.affect.goemotions import Example
from emotive_agents.affect.types import LABELS


def test_class_weights_follow_inverse_frequency() -> None:
    soft = torch.zeros(10, len(LABELS))
    soft[:8, 0] = 1.0  # 8 anger
    soft[8:, 1] = 1.0  # 2 disgust
    w = class_weights(soft, power=1.0)
    assert w[1] / w[0] == pytest.approx(4.0)
    assert (soft @ w).mean() == pytest.approx(1.0)
    assert class_weights(soft, power=0.0)[:2].tolist() == pytest.approx([1.0, 1.0])


def _separable(n: int, seed: int) -> Split:
    """Gaussian blobs, one per label, as 'embeddings'."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % len(LABELS)
    centres = torch.eye(len(LABELS), 16) * 4
    x = centres[y] + torch.randn(n, 16, generator=g) * 0.5
    return Split([Example(text="", labels=(LABELS[i],)) for i in y.tolist()], x)


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_train_head_learns_separable_data(kind: str) -> None:
    arch = (
        HeadArchitecture(kind="mlp", input_dim=16, hidden=8)
        if kind == "mlp"
        else HeadArchitecture(kind="linear", input_dim=16)
    )
    config = TrialConfig(arch=arch, targets="single", power=0.5, lr=3e-2, weight_decay=0.0, epochs=30)
    head, dev_metrics, epoch = train_head(config, _separable(280, 0), _separable(140, 1))
    assert dev_metrics["accuracy"] > 0.95
    assert 1 <= epoch <= 30
    with torch.no_grad():
        logits = head(_separable(140, 2).embeddings)
    assert 0.05 < fit_temperature(logits, _separable(140, 2)) < 20


def test_training_command_writes_a_loadable_head(tmp_path: Path) -> None:
    out = tmp_path / "head"
    main(["--data", str(write_dataset(tmp_path / "data")), "--out", str(out), "--no-cache"])
    _, card = load_head(out)
    assert card.data["licence"] == "CC BY 4.0"
    assert card.metrics["test"]["n"] == len(CLEAR)
    assert len(card.training["grid"]) >= 8
    assert card.temperature > 0


def test_six_class_metrics_leave_out_neutral_rows_and_the_neutral_column() -> None:
    from benchmarks.affect_train import evaluate

    examples = [Example(text=str(i), labels=(label,)) for i, label in enumerate(["joy", "fear", "neutral"])]
    split = Split(examples, torch.zeros(3, 4))
    logits = torch.full((3, len(LABELS)), -5.0)
    logits[:, LABELS.index("neutral")] = 5.0  # neutral wins the 7-way argmax everywhere
    logits[0, LABELS.index("joy")] = 1.0
    logits[1, LABELS.index("joy")] = 1.0  # fear row: joy is its best non-neutral label
    metrics = evaluate(logits, split)
    assert metrics["accuracy"] == pytest.approx(1 / 3)
    assert metrics["six_class_accuracy"] == pytest.approx(1 / 2)
