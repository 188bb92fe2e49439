"""The reader-evaluation CLI: input checks, confusion matrix and macro recall over the goal labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _router_helpers import KeywordClassifier

from emotive_agents.affect.types import AffectReading, reading
from emotive_agents.router.reader_eval import (
    GOAL_LABELS,
    confusion,
    format_report,
    load_turns,
    main,
    reader_report,
    tune_weights,
)


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_bad_rows_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="label"):
        load_turns(_write(tmp_path / "a.jsonl", [{"text": "hi", "label": "happy"}]))
    with pytest.raises(ValueError, match="no text"):
        load_turns(_write(tmp_path / "b.jsonl", [{"text": " ", "label": "joy"}]))
    (tmp_path / "c.jsonl").write_text("\n")
    with pytest.raises(ValueError, match="no rows"):
        load_turns(tmp_path / "c.jsonl")


def test_confusion_counts_gold_against_read() -> None:
    matrix = confusion(["joy", "joy", "anger"], ["joy", "anger", "anger"])
    assert matrix["joy"]["joy"] == 1 and matrix["joy"]["anger"] == 1 and matrix["anger"]["anger"] == 1
    assert set(matrix) == {"joy", "anger"}


def test_report_averages_the_goal_labels_only() -> None:
    rows = [
        {"text": "I'm so angry", "label": "anger"},
        {"text": "that's gross", "label": "disgust"},
        {"text": "I'm happy", "label": "disgust"},  # read as joy: disgust recall 0.5
        {"text": "wow", "label": "surprise"},  # surprise is shown, not averaged
        {"text": "what time is it", "label": "surprise"},
    ]
    report = reader_report(KeywordClassifier(), rows)
    assert report["recall"] == {"anger": 1.0, "disgust": 0.5, "surprise": 0.5}
    assert report["macro_recall"] == pytest.approx(0.75)
    assert "surprise" not in GOAL_LABELS
    text = format_report(report)
    assert "| disgust | 0 | 1 | 0 | 1 |" in text and "macro recall" in text


def test_cli_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "t.jsonl", [{"text": "How do I pay?", "label": "neutral"}])
    main([str(path), "--classifier", "vader", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 1 and report["classifier"] == "vader"


class _Members:
    """A fake ensemble whose members each know one label: the grid must find the member that reads."""

    def member_readings(self, texts: list[str]) -> dict[str, list[AffectReading]]:
        def constant(label: str) -> list[AffectReading]:
            return [reading({label: 1.0}) for _ in texts]

        right = [reading({"anger" if "angry" in t else "joy": 1.0}) for t in texts]
        return {"minilm-head": constant("neutral"), "exemplars": constant("fear"), "user-turns": right}


def test_tune_weights_picks_the_grid_point_with_the_best_mean_macro_recall() -> None:
    rows = [{"text": "so angry", "label": "anger"}, {"text": "yay", "label": "joy"}]
    result = tune_weights(_Members(), {"a": rows, "b": rows[:1]})
    assert result["weights"] == {"minilm-head": 0.0, "exemplars": 0.0, "user-turns": 1.0, "vader": 0.0}
    assert result["objective"] == 1.0 and result["per_set"] == {"a": 1.0, "b": 1.0}
    assert len(result["top"]) == 10 and result["top"][-1]["objective"] <= 1.0
