"""The shift evaluation: loading, scoring a followed shift, a gentle control and a steady mood, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _router_helpers import KeywordClassifier
from typer.testing import CliRunner

from emotive_agents.cli import app
from emotive_agents.errors import EmotiveError
from emotive_agents.router.policy import load_policy
from emotive_agents.router.shift_eval import (
    TUNE_SET,
    evaluate,
    load_conversations,
    miss_cause,
    rule_answers,
)

ROWS = [
    {"id": "s1", "domain": "health", "kind": "shift", "shift_to": "joy", "shift_turn": 2,
     "turns": ["I'm scared", "so nervous", "I'm happy, all clear!"]},
    {"id": "s2", "domain": "support", "kind": "shift", "shift_to": "anger", "shift_turn": 1,
     "turns": ["hello", "this is so gross"]},
    {"id": "s3", "domain": "tutor", "kind": "shift", "shift_to": "sadness", "shift_turn": 1,
     "turns": ["hello", "what is a verb?"]},  # the keyword reader misses it: a miss must be counted
    {"id": "c1", "domain": "tutor", "kind": "control", "shift_to": None, "shift_turn": 2,
     "turns": ["I'm so sad", "crying again", "Which page is the homework on?"]},
    {"id": "k1", "domain": "support", "kind": "steady", "shift_to": None, "shift_turn": 1,
     "turns": ["I'm happy", "great, happy"]},
]  # fmt: skip


def write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "conversations.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_scores_follows_controls_and_steady_turns(tmp_path: Path) -> None:
    report = evaluate(load_conversations(write(tmp_path, ROWS)), classifier=KeywordClassifier())
    by_id = {r["id"]: r for r in report["conversations"]}
    assert by_id["s1"]["follows"] and by_id["s1"]["rule"] == "relief or good news"
    assert by_id["s2"]["follows"] and by_id["s2"]["label"] == "disgust"  # one mood with anger
    assert not by_id["s3"]["follows"] and not by_id["s3"]["detected"]
    assert by_id["c1"]["gentle"] and by_id["k1"]["no_shift"]
    summary = report["summary"]
    assert summary["follows"] == {"n": 3, "hits": 2, "rate": round(2 / 3, 4)}
    assert summary["controls_gentle"]["rate"] == 1.0
    assert summary["by_policy"]["tutor"]["follows"]["hits"] == 0
    assert summary["by_target"]["joy"]["hits"] == 1
    assert summary["crisis_at_scored_turn"]["hits"] == 0
    assert summary["follows_without_crisis"] == summary["follows"]
    # s3's turn reads neutral, not sadness: the reader missed it, not the detector or the rules.
    assert by_id["s3"]["miss_cause"] == "reader" and by_id["s1"]["miss_cause"] is None
    assert summary["miss_causes"]["sadness"] == {"crisis": 0, "reader": 1, "detector": 0, "rule": 0}
    assert summary["miss_causes"]["joy"] == {"crisis": 0, "reader": 0, "detector": 0, "rule": 0}


def test_a_crisis_at_the_shift_turn_is_a_miss_and_is_counted(tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        {"id": "r1", "domain": "health", "kind": "shift", "shift_to": "joy", "shift_turn": 1,
         "turns": ["I want to kill myself tonight.", "I'm happy, all clear!"]},
    ]  # fmt: skip
    report = evaluate(load_conversations(write(tmp_path, rows)), classifier=KeywordClassifier())
    by_id = {r["id"]: r for r in report["conversations"]}
    assert by_id["r1"]["crisis"] and not by_id["r1"]["follows"] and by_id["r1"]["shift"] is None
    summary = report["summary"]
    assert summary["crisis_at_scored_turn"] == {"n": 2, "hits": 1, "rate": 0.5}
    assert summary["follows_without_crisis"] == {"n": 1, "hits": 1, "rate": 1.0}
    assert by_id["r1"]["miss_cause"] == "crisis" and summary["miss_causes"]["joy"]["crisis"] == 1


def test_miss_cause_names_the_first_stage_that_failed() -> None:
    row = {"crisis": False, "current": "sadness", "detected": False}
    assert miss_cause(row, "sadness") == "detector"
    assert miss_cause({**row, "detected": True}, "sadness") == "rule"
    assert miss_cause({**row, "current": "fear"}, "sadness") == "reader"
    assert miss_cause({**row, "current": "disgust"}, "anger") == "detector"  # one mood with anger
    assert miss_cause({**row, "crisis": True, "current": "fear"}, "sadness") == "crisis"


def test_rule_answers_reads_the_rules_conditions() -> None:
    health = load_policy("health")
    assert rule_answers(health, "relief or good news", "joy")
    assert rule_answers(health, "angry patient", "disgust")
    assert not rule_answers(health, "afraid patient", "joy")
    assert not rule_answers(health, "default", "neutral")


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ({**ROWS[0], "shift_turn": 7}, "outside"),
        ({**ROWS[0], "shift_to": None}, "shift_to"),
        ({**ROWS[0], "kind": "odd"}, "kind"),
    ],
)
def test_malformed_lines_are_clear_errors(tmp_path: Path, row: dict, needle: str) -> None:
    with pytest.raises(EmotiveError, match=needle):
        load_conversations(write(tmp_path, [row]))


def test_unknown_domain_needs_a_policy(tmp_path: Path) -> None:
    rows = [{**ROWS[0], "domain": "banking"}]
    with pytest.raises(EmotiveError, match="--policy"):
        evaluate(load_conversations(write(tmp_path, rows)), classifier=KeywordClassifier())
    report = evaluate(
        load_conversations(write(tmp_path, rows)), policy="health", classifier=KeywordClassifier()
    )
    assert report["conversations"][0]["policy"] == "health"


def test_cli_on_the_tune_set_controls_stay_gentle_with_the_default_reader() -> None:
    result = CliRunner().invoke(app, ["route-eval-shift", str(TUNE_SET), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["controls_gentle"]["rate"] == 1.0
    assert summary["steady_no_shift"]["rate"] == 1.0
    assert set(summary["by_policy"]) == {"health", "support", "tutor"}


def test_a_null_or_missing_shift_turn_scores_the_last_turn(tmp_path: Path) -> None:
    control = {k: v for k, v in ROWS[3].items() if k != "shift_turn"}
    rows = [{**ROWS[3], "shift_turn": None, "note": "ignored"}, control]
    assert [c.shift_turn for c in load_conversations(write(tmp_path, rows))] == [2, 2]
