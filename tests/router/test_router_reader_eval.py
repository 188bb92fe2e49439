"""The reader-evaluation CLI: input checks, confusion matrix and macro recall over the goal labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _router_helpers import KeywordClassifier

from emotive_agents.router.reader_eval import (
    GOAL_LABELS,
    confusion,
    format_report,
    load_turns,
    main,
    reader_report,
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
