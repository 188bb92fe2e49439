"""GoEmotions reading (ids mapped through labels.txt) and the classification metrics, on tiny data."""

from __future__ import annotations

from pathlib import Path

import pytest
from _affect_helpers import CLEAR, write_dataset

from emotive_agents.affect.goemotions import load_split, single_label
from emotive_agents.affect.metrics import classification_metrics


def test_load_split_maps_ids_through_labels_txt(tmp_path: Path) -> None:
    examples = load_split(write_dataset(tmp_path), "dev")
    assert len(examples) == len(CLEAR) + 1
    assert examples[-2].labels == ("neutral",)  # id 4 in the file's order
    assert examples[-1].labels == ("fear", "joy")
    assert len(single_label(examples)) == len(CLEAR)
    with pytest.raises(FileNotFoundError, match="splits"):
        load_split(tmp_path, "validation")


def test_classification_metrics() -> None:
    m = classification_metrics(["joy", "joy", "anger", "fear"], ["joy", "anger", "anger", "joy"])
    assert m["accuracy"] == 0.5
    assert m["f1_joy"] == pytest.approx(2 * 1 / (2 + 2))
    assert m["f1_anger"] == pytest.approx(2 * 1 / (1 + 2))
    assert m["f1_fear"] == 0.0
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)  # absent labels are not averaged
    with pytest.raises(ValueError):
        classification_metrics(["joy"], [])
