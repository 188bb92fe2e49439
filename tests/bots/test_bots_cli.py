"""`emotive-agents chat` through typer's CliRunner: scripted JSON, transcript, interactive, errors.

Fast tests run a tiny model saved to disk with a scripted router; the integration tests run the README's
demo command on the embedded model with the real router.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _bots_fakes import BOT_EMOTIONS, ESCALATION, FakeRouter
from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors
from typer.testing import CliRunner

import emotive_agents.bots.factory as factory
from emotive_agents.bots import BOTS, get_bot
from emotive_agents.cli import app
from emotive_agents.models.loading import load_model
from emotive_agents.vectors.store import save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """--model/--vectors options for a tiny Llama saved to disk, with the bots' emotions."""
    model_dir = tmp_path_factory.mktemp("tiny-model")
    build_tiny_llama(seed=1).save_pretrained(model_dir)
    make_tokenizer(SIMPLE_TEMPLATE).save_pretrained(model_dir)
    loaded = load_model(str(model_dir))
    vectors = random_vectors(LLAMA_LAYERS, emotions=BOT_EMOTIONS, scale=0.05)
    vector_set = EmotionVectorSet.from_vectors(vectors, loaded.fingerprint)
    vectors_dir = save_vector_set(vector_set, tmp_path_factory.mktemp("vec") / "tiny")
    return ["--model", str(model_dir), "--vectors", str(vectors_dir)]


@pytest.fixture
def scripted_router(monkeypatch: pytest.MonkeyPatch) -> FakeRouter:
    """Every bot gets the scripted router and a system prompt short enough for the tiny context."""
    router = FakeRouter()
    monkeypatch.setattr(factory, "make_router", lambda spec, policy=None, engine=None: router)
    monkeypatch.setattr(
        factory, "get_bot", lambda name: get_bot(name).model_copy(update={"system_prompt": "Be kind."})
    )
    return router


def _chat(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["chat", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_scripted_json_prints_one_object_per_turn(tmp_path: Path, tiny_dirs, scripted_router) -> None:
    script = tmp_path / "chat.jsonl"
    script.write_text(
        '{"user": "Hello"}\n{"user": "This is ridiculous!"}\n{"user": "I want to end it all"}\n'
    )
    code, out, err = _chat("--bot", "support", "--script", str(script), "--json", "-n", "4", *tiny_dirs)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["user"] for row in rows] == ["Hello", "This is ridiculous!", "I want to end it all"]
    for row in rows:
        assert set(row) == {"user", "reply", "decision"}
        assert set(row["decision"]) == {"reading", "label", "crisis", "risk", "mix", "rationale", "shift"}
    assert rows[1]["decision"]["mix"] == {"calm": 0.8, "patient": 0.4}
    assert rows[2]["decision"]["crisis"] is True and rows[2]["reply"] == ESCALATION


def test_bare_script_flag_plays_the_shipped_demo(tiny_dirs, scripted_router) -> None:
    code, out, err = _chat(
        "--bot", "tutor", "--script", "--json", "-n", "3", "--history-turns", "0", *tiny_dirs
    )
    assert code == 0, err
    users = [json.loads(line)["user"] for line in out.splitlines()]
    assert users == [line for line in BOTS["tutor"].script_path().read_text().splitlines() if line[:1] != "#"]


def test_scripted_text_shows_decisions_and_the_disclaimer(tmp_path: Path, tiny_dirs, scripted_router) -> None:
    script = tmp_path / "chat.txt"
    script.write_text("Hello\n/emotion joy=0.5\nThanks\n")
    code, out, err = _chat("--bot", "health", "--script", str(script), "-n", "4", *tiny_dirs)
    assert code == 0, err
    assert "NOTE: This is a prototype wellbeing companion, not a clinician" in out
    assert "user: Hello\n[neutral 0.70 | mix patient=0.30 | default tone]\nbot:  " in out
    assert "* /emotion joy=0.5: mix override: joy=0.50" in out
    assert "[joy 0.70 | mix joy=0.50 | override | /emotion override joy=0.50" in out


def test_interactive_chat_through_stdin(tiny_dirs, scripted_router) -> None:
    code, out, err = _chat(
        "--bot", "support", "-n", "4", *tiny_dirs, input="Hello\n/emotion auto\n/reset\n/quit\n"
    )
    assert code == 0, err
    assert "you> " in out and "[neutral 0.70 | mix patient=0.30]\nbot> " in out
    assert "* mix: automatic" in out and "* conversation reset" in out and out.rstrip().endswith("* bye")
    assert len(scripted_router.calls) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bot", "lawyer"], "unknown bot 'lawyer'"),
        ([], "choose a bot with --bot"),
        (["--bot", "tutor", "--json"], "--json needs --script"),
        (["--bot", "tutor", "turns.txt"], "without --script"),
        (["--bot", "tutor", "--script", "does-not-exist.txt"], "cannot read script"),
        (["--bot", "tutor", "--policy", "does-not-exist.yaml"], "is neither a shipped policy"),
    ],
)
def test_bad_invocations_exit_2_with_a_message(args: list[str], message: str) -> None:
    code, _, err = _chat(*args)
    assert code == 2
    assert message in err


def test_a_bad_command_in_a_script_is_reported(tmp_path: Path, tiny_dirs, scripted_router) -> None:
    script = tmp_path / "chat.txt"
    script.write_text("/emotion nope\nHello\n")
    code, _, err = _chat("--bot", "support", "--script", str(script), *tiny_dirs)
    assert code == 2 and "expected NAME=INTENSITY" in err


# -- the README's demo on the embedded model ------------------------------------------------------------


@pytest.mark.integration
def test_health_demo_escalates_the_crisis_turn() -> None:
    code, out, err = _chat("--bot", "health", "--script", "--json", "-n", "4")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert [row["decision"]["crisis"] for row in rows] == [False, False, True]
    assert "emergency" in rows[-1]["reply"]
    assert all(row["decision"]["mix"].get("fear", 0.0) <= 0.0 for row in rows)  # never mirrors fear


@pytest.mark.integration
def test_support_demo_never_mirrors_anger(tmp_path: Path) -> None:
    policy = tmp_path / "strict.json"
    policy.write_text(json.dumps({"name": "strict", "default_mix": {"calm": 0.7}}))
    code, out, err = _chat("--bot", "support", "--script", "--json", "-n", "4")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 4
    assert all(row["decision"]["mix"].get("anger", 0.0) <= 0.0 for row in rows)
    assert any(row["decision"]["mix"].get("anger", 0.0) < 0.0 for row in rows)  # the angry turn
    assert rows[-1]["decision"]["mix"].get("joy", 0.0) > 0.0  # the happy customer
    # --policy replaces the bot's own policy
    code, out, err = _chat("--bot", "support", "--script", "--json", "-n", "2", "--policy", str(policy))
    assert code == 0, err
    assert all(json.loads(line)["decision"]["mix"] == {"calm": 0.7} for line in out.splitlines())


@pytest.mark.integration
def test_side_by_side_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "bots.md"
    code, stdout, err = _chat("--side-by-side", "--bot", "health", "-n", "4", "--out", str(out))
    assert code == 0, err
    assert stdout.strip() == f"wrote {out}"
    page = out.read_text()
    assert "## Health companion (healthcare)" in page and "## Support agent" not in page
    assert page.count("### Turn ") == 3
    assert page.count("crisis **yes, escalation**") == 1  # the shipped script's last turn
