"""The held-out loop measurement's reading of intents (the run itself needs the embedded model)."""

from __future__ import annotations

from _planted import peaked

from benchmarks.monitor_eval import history_messages, intended_labels, reads_as
from emotive_agents.monitor.reading import ReplyReading


def r(label: str) -> ReplyReading:
    return ReplyReading.from_affect(peaked(label))


def test_free_text_intents() -> None:
    allowed, forbidden = intended_labels("Gentle, calm and caring; nothing cheerful or celebratory.")
    assert allowed == {"neutral"} and "joy" in forbidden
    assert intended_labels("Excited, joyful congratulations.")[0] == {"joy"}
    assert intended_labels("Sympathetic and softly sad, acknowledging the hurt.")[0] == {"neutral", "sadness"}
    assert intended_labels("Calm and reassuring, without alarm.")[0] == {"neutral"}
    assert {"anger", "disgust", "fear"} <= intended_labels("Validate the anger calmly.")[1]


def test_reads_as() -> None:
    assert reads_as(r("joy"), "Warmly joyful and celebratory.")
    assert not reads_as(r("joy"), "Gentle, calm and sympathetic, not upbeat.")
    assert reads_as(r("neutral"), "calm") and reads_as(r("joy"), ["sadness", "joy"])
    assert reads_as(r("anger"), "positive") is False
    assert reads_as(r("joy"), 3) is None


def test_history_messages() -> None:
    assert history_messages(["hi", "hello"]) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]
    assert history_messages([{"role": "user", "content": "x"}]) == [{"role": "user", "content": "x"}]
    assert history_messages(None) == []
