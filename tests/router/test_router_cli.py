"""The `emotive-agents route` contract: flags, JSON fields, JSONL in order, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emotive_agents.affect.types import LABELS
from emotive_agents.cli import app

runner = CliRunner()
FIELDS = {"reading", "label", "crisis", "risk", "mix", "rationale", "shift"}


def route(*args: str) -> list[dict]:
    result = runner.invoke(app, ["route", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def check(payload: dict) -> None:
    assert set(payload) == FIELDS
    assert set(payload["reading"]) == set(LABELS)
    assert abs(sum(payload["reading"].values()) - 1) < 1e-3
    assert payload["label"] in LABELS and isinstance(payload["crisis"], bool)
    assert all(isinstance(v, float) for v in payload["mix"].values())
    assert isinstance(payload["rationale"], str) and payload["rationale"]


def test_single_message_json_with_the_default_classifier() -> None:
    (payload,) = route("I'm furious, you charged my card twice!", "--policy", "support", "--json")
    check(payload)
    assert payload["label"] == "anger" and payload["crisis"] is False
    assert payload["mix"].get("anger", 0) < 0 < payload["mix"]["calm"]


def test_crisis_message_under_health() -> None:
    (payload,) = route("I want to end my life", "--policy", "health", "--classifier", "vader", "--json")
    check(payload)
    assert payload["crisis"] is True and "escalated" in payload["rationale"]


def test_history_file_changes_the_reading(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    turns = [{"role": "user", "content": "I am so sad and hopeless, everything is awful."}] * 3
    history.write_text(json.dumps(turns))
    args = ("What are your opening hours?", "--policy", "health", "--classifier", "vader", "--json")
    (alone,) = route(*args)
    (after,) = route(*args, "--history", str(history))
    assert after["reading"]["neutral"] < alone["reading"]["neutral"]
    assert "turns" in after["rationale"]


def test_file_mode_prints_one_object_per_line_in_order(tmp_path: Path) -> None:
    lines = ["This exam is killing me", "I want to kill myself", "Thanks, you fixed it, great job!"]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "id": i}) for i, t in enumerate(lines)) + "\n\n")
    out = route("--file", str(path), "--policy", "tutor", "--classifier", "vader", "--json")
    assert len(out) == 3
    for payload in out:
        check(payload)
    assert [p["crisis"] for p in out] == [False, True, False]
    assert out[2]["reading"]["joy"] > out[0]["reading"]["joy"]


def test_human_output_without_json() -> None:
    result = runner.invoke(app, ["route", "I'm scared", "--classifier", "vader"])
    assert result.exit_code == 0 and "mix:" in result.stdout and "why:" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "MESSAGE or --file"),
        (["hi", "--policy", "nope"], "shipped policy"),
        (["hi", "--classifier", "nope"], "unknown classifier"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["route", *args, "--json"])
    assert result.exit_code == 2 and needle in result.output


def test_bad_jsonl_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"message": "no text field"}\n')
    result = runner.invoke(app, ["route", "--file", str(path), "--classifier", "vader", "--json"])
    assert result.exit_code == 2 and ":2:" in result.output
