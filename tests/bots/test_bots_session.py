"""ChatSession on the tiny engine with a scripted router: mixes, escalation, overrides, history."""

from __future__ import annotations

import pytest
from _bots_fakes import ESCALATION, FakeRouter

from emotive_agents.bots import ChatSession, CommandError, get_bot, status_line
from emotive_agents.bots.session import parse_override
from emotive_agents.engine import EmotiveEngine

# The tiny model's context is 256 characters: a short system prompt leaves room for a few turns.
SPEC = get_bot("support").model_copy(update={"system_prompt": "Be kind."})


def _session(engine: EmotiveEngine, router: FakeRouter, **options) -> ChatSession:
    options.setdefault("max_new_tokens", 8)
    options.setdefault("history_turns", 1)
    return ChatSession(SPEC, engine, router, **options)


def test_the_reply_is_generated_under_the_routers_mix(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router)
    record = session.respond("This is ridiculous!")
    assert record.decision["label"] == "anger"
    assert record.decision["mix"] == {"calm": 0.8, "patient": 0.4}
    assert not record.escalated and not record.overridden
    messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "This is ridiculous!"},
    ]
    # The session's defaults: replies end on a sentence and never repeat a 3-gram.
    defaults = {"max_new_tokens": 8, "trim_to_sentence": True, "no_repeat_ngram_size": 3}
    steered = bot_engine.generate(messages, {"calm": 0.8, "patient": 0.4}, **defaults).text.strip()
    unsteered = bot_engine.generate(messages, {}, **defaults).text.strip()
    assert record.reply == steered
    assert steered != unsteered  # so the equality above really shows the mix was applied


def test_the_router_sees_the_conversation_without_the_system_prompt(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router)
    first = session.respond("Hello")
    session.respond("Thanks!")
    assert fake_router.calls[0] == [{"role": "user", "content": "Hello"}]
    assert fake_router.calls[1] == [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": first.reply},
        {"role": "user", "content": "Thanks!"},
    ]


def test_a_crisis_turn_takes_the_escalation_path_without_generating(
    bot_engine, fake_router, monkeypatch
) -> None:
    session = _session(bot_engine, fake_router)

    def no_generation(*args, **kwargs):
        raise AssertionError("a crisis turn must not be generated")

    monkeypatch.setattr(bot_engine, "stream", no_generation)
    tokens: list[str] = []
    record = session.respond("I want to end it all", on_token=tokens.append)
    assert record.escalated and record.decision["crisis"] is True
    assert record.reply == ESCALATION == "".join(tokens)
    assert "CRISIS -> escalation" in status_line(record)


def test_an_escalation_even_overrides_an_emotion_override(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router)
    session.command("/emotion joy=1")
    record = session.respond("I want to end it all")
    assert record.escalated and not record.overridden
    assert record.reply == ESCALATION


def test_emotion_override_and_back_to_auto(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router)
    assert "joy=0.50" in session.command("/emotion joy=0.5").message
    record = session.respond("This is ridiculous!")
    assert record.overridden
    assert record.decision["mix"] == {"joy": 0.5}
    assert "override" in record.decision["rationale"] and "calm=0.80" in record.decision["rationale"]
    assert record.decision["label"] == "anger"  # the reading stays the router's
    session.command("/emotion auto")
    assert session.respond("This is ridiculous!").decision["mix"] == {"calm": 0.8, "patient": 0.4}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/emotion", "usage"),
        ("/emotion joy", "NAME=INTENSITY"),
        ("/emotion joy=lots", "NAME=INTENSITY"),
        ("/emotion surprise=0.5", "surprise"),  # not in the vector set
        ("/emotion joy=9", "allowed range"),
        ("/dance", "unknown command"),
    ],
)
def test_bad_commands_raise_command_errors(bot_engine, fake_router, line: str, message: str) -> None:
    session = _session(bot_engine, fake_router)
    with pytest.raises(CommandError, match=message):
        session.command(line)
    assert session.override is None


def test_reset_forgets_history_and_override(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router)
    session.command("/emotion joy=0.5")
    session.respond("Hello")
    assert session.history and session.override
    outcome = session.command("/reset")
    assert not outcome.quit
    assert session.history == [] and session.override is None
    assert session.command("/quit").quit


def test_streaming_callbacks_see_the_decision_first_then_the_reply(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router)
    events: list[tuple[str, str]] = []
    record = session.respond(
        "Hello",
        on_decision=lambda r: events.append(("decision", r.reply)),
        on_token=lambda piece: events.append(("token", piece)),
    )
    assert events[0] == ("decision", "")
    assert "".join(piece for kind, piece in events[1:]) == record.reply
    assert all(kind == "token" for kind, _ in events[1:])


def test_history_window_keeps_prompts_short(bot_engine, fake_router) -> None:
    session = _session(bot_engine, fake_router, history_turns=1)
    for text in ("one", "two", "three"):
        session.respond(text)
    messages = session.messages_for("four")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "three" and messages[-1]["content"] == "four"


def test_to_json_has_exactly_the_documented_fields(bot_engine, fake_router) -> None:
    record = _session(bot_engine, fake_router).respond("Hello")
    payload = record.to_json()
    assert set(payload) == {"user", "reply", "decision"}
    assert set(payload["decision"]) == {"reading", "label", "crisis", "risk", "mix", "rationale", "shift"}
    assert record.confidence == pytest.approx(0.7)


def test_parse_override() -> None:
    assert parse_override(["joy=0.5", "calm=1"]) == {"joy": 0.5, "calm": 1.0}
    assert parse_override(["auto"]) is None


def test_empty_messages_are_refused(bot_engine, fake_router) -> None:
    with pytest.raises(CommandError, match="empty"):
        _session(bot_engine, fake_router).respond("   ")


def test_status_line_shows_this_turn_when_it_differs_from_the_conversation() -> None:
    from emotive_agents.bots.session import TurnRecord, status_line

    decision = {
        "reading": {"neutral": 0.31, "anger": 0.2},
        "label": "neutral",
        "mix": {"calm": 0.5},
        "rationale": "distressed customer",
    }
    record = TurnRecord(user="This is ridiculous!", reply="", decision=decision, escalated=False)
    assert status_line(record) == "[neutral 0.31 | mix calm=0.50]"
    angry = record.model_copy(update={"current": ("anger", 0.29)})
    assert status_line(angry) == "[anger 0.29 now, neutral 0.31 overall | mix calm=0.50]"
    same = record.model_copy(update={"current": ("neutral", 0.4)})
    assert status_line(same) == "[neutral 0.31 | mix calm=0.50]"


def test_reply_status_shows_the_reply_reading() -> None:
    from emotive_agents.bots.session import TurnRecord, reply_status

    reading = {"label": "joy", "probabilities": {"joy": 0.62, "neutral": 0.38}, "valence": 0.41}
    record = TurnRecord(
        user="hi", reply="Great!", decision={"mix": {}}, escalated=False, reply_reading=reading
    )
    assert reply_status(record) == "[reply reads joy 0.62, valence +0.41]"
    assert reply_status(record.model_copy(update={"reply_reading": None})) == ""


def test_on_a_mood_shift_the_model_sees_at_most_one_earlier_exchange(
    bot_engine, fake_router, monkeypatch
) -> None:
    session = _session(bot_engine, fake_router, history_turns=2)
    seen: list[list[dict[str, str]]] = []
    original = bot_engine.stream

    def spy(messages, *args, **kwargs):  # what the model is given, turn by turn
        seen.append(list(messages))
        return original(messages, *args, **kwargs)

    monkeypatch.setattr(bot_engine, "stream", spy)
    session.respond("I'm worried about my order")
    session.respond("Can you check it?")
    record = session.respond("It passed inspection and arrived, all good!")
    assert record.decision["shift"] == {"from": "fear", "to": "joy", "strength": 0.5}
    assert "shift fear -> joy" in status_line(record)
    assert [m["role"] for m in seen[1]] == ["system", "user", "assistant", "user"]
    assert [m["role"] for m in seen[2]] == ["system", "user"]  # good news: no earlier exchange
    assert seen[2][1]["content"] == "It passed inspection and arrived, all good!"
    alone = bot_engine.generate(
        seen[2], record.decision["mix"], max_new_tokens=8, **session.sampling
    ).text.strip()
    assert record.reply == alone
    none = _session(bot_engine, FakeRouter(), history_turns=2, shift_history_turns=0)
    none.respond("I'm worried about my order")
    assert [m["role"] for m in none.messages_for("It passed!", shift=True)] == ["system", "user"]
    # On a shift to another mood (or with joy_shift_history_turns=1) one exchange is kept, 1 of 2.
    one = _session(bot_engine, FakeRouter(), history_turns=2, joy_shift_history_turns=1)
    one.respond("I'm worried about my order")
    one.respond("Can you check it?")
    roles = ["system", "user", "assistant", "user"]
    assert [m["role"] for m in one.messages_for("It passed!", shift=True, shift_to="joy")] == roles
    assert [m["role"] for m in session.messages_for("This is gross", shift=True, shift_to="disgust")] == roles
