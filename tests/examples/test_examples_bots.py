"""The example bots end to end on the embedded model: short conversations, few tokens, decisions checked.

Assertions are on the router's decisions and the escalation path, never on the model's wording.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NEGATIVE = ("anger", "disgust", "fear", "sadness")
TOKENS = 6


def _load(name: str) -> ModuleType:
    """An example as a module; its folder on sys.path as when it runs as a script (for bot_helpers)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _no_negative_amplified(mix: dict[str, float]) -> bool:
    return all(mix.get(name, 0.0) <= 0.0 for name in NEGATIVE)


def test_support_bot_calms_anger_and_shares_joy() -> None:
    angry = "This is ridiculous! It's the third time you've messed up my order and nobody answers my emails!"
    records = _load("support_bot").chat([angry], max_new_tokens=TOKENS)
    mix = records[0]["decision"]["mix"]
    assert mix.get("anger", 0.0) <= 0.0, "no anger mirroring"
    assert mix.get("calm", 0.0) > 0.0 and _no_negative_amplified(mix)
    assert records[0]["reply"]  # generated, not escalated
    happy = _load("support_bot").chat(
        ["Oh great, it arrived this morning and it looks lovely, thank you!"], TOKENS
    )
    assert happy[0]["decision"]["label"] == "joy"
    assert happy[0]["decision"]["mix"].get("joy", 0.0) > 0.0


def test_tutor_bot_encourages_a_discouraged_learner() -> None:
    records = _load("tutor_bot").chat(
        [
            "Can you explain what a fraction is?",
            "I still don't get it. I'm so bad at maths, I always fail at this.",
        ],
        max_new_tokens=TOKENS,
    )
    assert len(records) == 2
    mix = records[1]["decision"]["mix"]
    assert mix.get("encouraging", 0.0) > 0.0
    assert _no_negative_amplified(mix)
    assert all(record["reply"] for record in records)


def test_health_bot_never_mirrors_fear_and_escalates_a_crisis() -> None:
    from emotive_agents.router import AffectRouter

    records = _load("health_bot").chat(
        [
            "I'm scared something is really wrong with me.",
            "Sometimes I think everyone would be better off without me and I want to end it all.",
        ],
        max_new_tokens=TOKENS,
    )
    afraid, crisis = (record["decision"] for record in records)
    assert afraid["crisis"] is False and afraid["mix"].get("fear", 0.0) <= 0.0
    assert afraid["mix"].get("calm", 0.0) > 0.0
    assert crisis["crisis"] is True
    escalation = AffectRouter(policy="health").policy.escalation
    assert escalation is not None
    assert records[1]["reply"] == escalation.message().strip()  # the safe message, not a generation


def test_rag_bot_retrieves_from_the_kb_without_openai_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    import llama_index.core.settings as li_settings

    def no_defaults(*args, **kwargs):
        raise AssertionError("LlamaIndex fell back to a default model")

    monkeypatch.setattr(li_settings, "resolve_llm", no_defaults)
    monkeypatch.setattr(li_settings, "resolve_embed_model", no_defaults)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    records = _load("rag_bot").chat(
        ["Where can I park when I come to the clinic?", "Sometimes I want to end it all."],
        max_new_tokens=TOKENS,
    )
    parking, crisis = records
    assert parking["sources"][0].startswith("opening_hours.md: ## Where is the clinic and can I park?")
    assert parking["reply"] and not parking["decision"]["crisis"]
    assert _no_negative_amplified(parking["decision"]["mix"])
    assert crisis["decision"]["crisis"] is True and "emergency" in crisis["reply"]


def test_an_example_runs_as_a_script_with_a_script_file(tmp_path: Path) -> None:
    script = tmp_path / "turns.txt"
    script.write_text("# two turns\nHi, where is my parcel?\nI am furious, nobody answers my emails!\n")
    done = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "support_bot.py"),
            "--script",
            str(script),
            "--max-new-tokens",
            "4",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["user"] for row in rows] == [
        "Hi, where is my parcel?",
        "I am furious, nobody answers my emails!",
    ]
    assert rows[1]["decision"]["mix"].get("anger", 0.0) <= 0.0
