"""`route-eval-risk`: reads a risk set folder, reports recall by category, false alarms by kind, timing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emotive_agents.cli import app
from emotive_agents.errors import EmotiveError
from emotive_agents.router.crisis import CrisisDetector
from emotive_agents.router.risk import RISK_CATEGORIES
from emotive_agents.router.risk_eval import evaluate_risk, load_risk_set
from emotive_agents.router.train_risk import CORPUS_DIR


def _write(folder: Path) -> None:
    (folder / "risk_positive.jsonl").write_text(
        json.dumps({"text": "I want to kill myself.", "category": "active_ideation"}) + "\n"
    )
    (folder / "risk_negative.jsonl").write_text(
        json.dumps({"text": "This exam is killing me.", "kind": "idiom"})
    )
    conversations = [
        {"id": "now", "turns": ["Hi.", "I'm going to kill myself tonight."], "escalate_at": 1},
        {"id": "never", "turns": ["Hi.", "Can you help with fractions?"], "escalate_at": None},
    ]
    (folder / "conversations.jsonl").write_text("\n".join(json.dumps(c) for c in conversations))


def test_report_on_a_small_set(tmp_path: Path) -> None:
    _write(tmp_path)
    report = evaluate_risk(load_risk_set(tmp_path), CrisisDetector(semantic=False))
    assert report["recall"]["by_category"]["active_ideation"] == {"hit": 1, "n": 1, "rate": 1.0}
    assert report["false_alarms"]["by_kind"]["idiom"]["flagged"] == 0
    assert {r["id"]: r["outcome"] for r in report["conversations"]["rows"]} == {
        "now": "on_time",
        "never": "correct",
    }


def test_cli_prints_text_and_json(tmp_path: Path) -> None:
    _write(tmp_path)
    runner = CliRunner()
    text = runner.invoke(app, ["route-eval-risk", str(tmp_path), "--patterns-only"])
    assert text.exit_code == 0, text.output
    assert "recall 1/1" in text.output and "false alarms 0/1" in text.output and "on_time 1" in text.output
    as_json = runner.invoke(app, ["route-eval-risk", str(tmp_path), "--patterns-only", "--json"])
    assert json.loads(as_json.output)["recall"]["overall"]["rate"] == 1.0


def test_bad_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(EmotiveError, match="not a directory"):
        load_risk_set(tmp_path / "missing")
    with pytest.raises(EmotiveError, match="holds none"):
        load_risk_set(tmp_path)
    (tmp_path / "risk_positive.jsonl").write_text('{"text": "no category"}\n')
    with pytest.raises(EmotiveError, match="category"):
        load_risk_set(tmp_path)
    result = CliRunner().invoke(app, ["route-eval-risk", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not a directory" in result.output


def test_the_project_corpus_covers_every_category_and_kind() -> None:
    data = load_risk_set(CORPUS_DIR)
    assert len(data["positives"]) >= 300 and len(data["negatives"]) >= 300
    assert {r["category"] for r in data["positives"]} == set(RISK_CATEGORIES)
    assert {r["split"] for r in data["positives"] + data["negatives"]} == {"train", "tune"}
    texts = [r["text"].lower() for r in data["positives"] + data["negatives"]]
    assert len(texts) == len(set(texts))
    kinds = {r["kind"] for r in data["negatives"]}
    assert {
        "idiom",
        "dosage_homework",
        "fiction",
        "history",
        "news",
        "recovered_past",
        "games_sports",
    } <= kinds
    assert {"cancel_terminate", "grief", "anger", "medical_info"} <= kinds
