"""The interactive loop and the script player, driven through StringIO."""

from __future__ import annotations

import io
import json

import pytest
from _bots_fakes import ESCALATION, FakeRouter

from emotive_agents.bots import ChatSession, CommandError, get_bot, run_interactive, run_script
from emotive_agents.engine import EmotiveEngine


def _session(engine: EmotiveEngine, router: FakeRouter, bot: str = "support") -> ChatSession:
    spec = get_bot(bot).model_copy(update={"system_prompt": "Be kind."})  # fits the tiny context
    return ChatSession(spec, engine, router, max_new_tokens=6, history_turns=1)


def test_interactive_chat_streams_status_and_handles_commands(bot_engine, fake_router) -> None:
    stdin = io.StringIO("hello\n\n/emotion joy=0.5\nThanks a lot\n/emotion joy\n/quit\nnever read\n")
    out = io.StringIO()
    turns = run_interactive(_session(bot_engine, fake_router), stdin, out)
    text = out.getvalue()
    assert turns == 2
    assert len(fake_router.calls) == 2  # nothing after /quit was answered
    assert "[neutral 0.70 | mix patient=0.30]" in text
    assert "* mix override: joy=0.50" in text
    assert "[joy 0.70 | mix joy=0.50 | override]" in text
    assert "! 'joy': expected NAME=INTENSITY" in text
    assert text.rstrip().endswith("* bye")


def test_interactive_chat_ends_at_end_of_input(bot_engine, fake_router) -> None:
    out = io.StringIO()
    assert run_interactive(_session(bot_engine, fake_router), io.StringIO("hello\n"), out) == 1
    assert out.getvalue().count("you> ") == 2


def test_interactive_health_chat_shows_the_disclaimer_and_escalates(bot_engine, fake_router) -> None:
    out = io.StringIO()
    run_interactive(_session(bot_engine, fake_router, "health"), io.StringIO("I want to end it all\n"), out)
    text = out.getvalue()
    assert "NOTE: This is a prototype wellbeing companion, not a clinician" in text
    assert "CRISIS -> escalation" in text and ESCALATION in text


def test_script_json_prints_one_object_per_turn(bot_engine, fake_router) -> None:
    out = io.StringIO()
    lines = ["Hi", "/emotion calm=1", "This is ridiculous!", "/emotion auto", "I want to end it all"]
    records = run_script(_session(bot_engine, fake_router), lines, out, as_json=True)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == len(records) == 3
    for row, record in zip(rows, records, strict=True):
        assert set(row) == {"user", "reply", "decision"}
        assert row == record.to_json()
    assert rows[1]["decision"]["mix"] == {"calm": 1.0}  # the script's override applied
    assert rows[2]["decision"]["crisis"] is True and rows[2]["reply"] == ESCALATION


def test_script_text_is_a_transcript_with_decisions(bot_engine, fake_router) -> None:
    out = io.StringIO()
    run_script(_session(bot_engine, fake_router), ["This is ridiculous!", "/reset", "Thanks"], out)
    text = out.getvalue()
    assert text.startswith("Support agent (customer support) on tiny-llama")
    status = "[anger 0.70 | mix calm=0.80 patient=0.40 | de-escalate anger]"
    assert f"user: This is ridiculous!\n{status}\nbot:  " in text
    assert "* /reset: conversation reset" in text
    assert fake_router.calls[-1] == [{"role": "user", "content": "Thanks"}]  # reset really forgot


def test_a_bad_command_in_a_script_is_an_error(bot_engine, fake_router) -> None:
    with pytest.raises(CommandError):
        run_script(_session(bot_engine, fake_router), ["/emotion nope"], io.StringIO())
