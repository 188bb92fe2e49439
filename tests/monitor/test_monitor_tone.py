"""What a mix reads as, the retry's tone sentence, and where it goes in the messages."""

from __future__ import annotations

from _planted import peaked

from emotive_agents.generation.chat import ChatMessage
from emotive_agents.monitor.reading import ReplyReading
from emotive_agents.monitor.tone import PLAIN, WARM, expected_reads, fit, instruction_for, with_instruction


def test_expected_reads() -> None:
    assert expected_reads({"calm": 0.8, "anger": -0.5}) == {"neutral"}
    assert expected_reads({"joy": 0.6, "encouraging": 0.3}) == {"joy", "neutral"}
    assert expected_reads({"joy": 0.9, "calm": 0.1}) == {"joy"}  # calm is under 40 % of joy
    assert expected_reads({"calm": 0.5, "joy": 0.4}, distressed=True) == {"neutral"}
    assert expected_reads({"joy": 0.5}, distressed=True) == {"joy"}  # nothing else to fall back on
    assert expected_reads({"sadness": -0.5}) == frozenset() and expected_reads({"custom": 1.0}) == frozenset()


def test_fit_and_instruction() -> None:
    reading = ReplyReading.from_affect(peaked("neutral", 0.7))
    assert abs(fit(reading, frozenset({"neutral"})) - 0.7) < 1e-3 and fit(reading, frozenset()) == 0.0
    assert instruction_for(frozenset({"joy"})) == WARM
    assert instruction_for(frozenset({"joy", "neutral"})) == PLAIN == instruction_for(frozenset())


def test_with_instruction() -> None:
    messages = (ChatMessage(role="system", content="You help. "), ChatMessage(role="user", content="Hi"))
    assert with_instruction(messages, "Be plain.")[0].content == "You help. Be plain."
    assert with_instruction(messages[1:], "Be plain.")[0] == ChatMessage(role="system", content="Be plain.")
    assert with_instruction(messages, None) == messages
