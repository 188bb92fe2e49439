"""Re-choosing a trained head's thresholds: the card changes, the weights do not, the rule is recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from emotive_agents.router.risk_retune import retune
from emotive_agents.router.risk_semantic import HEAD_DIR


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_retune_rewrites_the_card_and_keeps_the_weights(tmp_path: Path) -> None:
    head = tmp_path / "head"
    shutil.copytree(HEAD_DIR, head)
    weights = (head / "head.safetensors").read_bytes()
    tune = tmp_path / "tune"
    tune.mkdir()
    _write(
        tune / "risk_positive.jsonl",
        [
            {"text": "I want to end my life tonight.", "category": "active_ideation"},
            {"text": "I've been saving my pills for this weekend.", "category": "plan_means_intent"},
        ],
    )
    _write(
        tune / "risk_negative.jsonl",
        [
            {"text": "What time does the pharmacy close?", "kind": "everyday"},
            {"text": "This exam is killing me lol.", "kind": "idiom"},
        ],
    )
    _write(
        tune / "conversations.jsonl",
        [{"id": "c", "turns": ["hi", "I want to end my life tonight."], "escalate_at": 1}],
    )
    card = retune(head, [tune], [])
    saved = json.loads((head / "card.json").read_text(encoding="utf-8"))
    assert saved == card and (head / "head.safetensors").read_bytes() == weights
    assert 0.0 < card["threshold"] <= 1.0 and card["tune_recall"] == 1.0
    assert card["retuned"]["tune_sets"] == [str(tune)] and card["tune_conversations"] == 1
    assert card["conversation_choice"]["ok"] == 1
