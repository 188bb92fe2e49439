"""The monitor over a real (tiny) engine: the retry regenerates with the adjusted mix, once."""

from __future__ import annotations

from _planted import PlantedReader

from emotive_agents.engine import EmotiveEngine
from emotive_agents.monitor.engine_loop import metadata, monitor_result
from emotive_agents.monitor.loop import ReplyMonitor
from emotive_agents.monitor.reading import ReplyReader


def test_retry_regenerates_with_the_adjusted_mix(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Hello there", {"joy": 0.5}, max_new_tokens=8)
    first = tiny_engine.generate_batch([request])[0]
    monitor = ReplyMonitor(ReplyReader(PlantedReader(bad="anger")))
    chosen, record = monitor_result(tiny_engine, request, first, "retry", monitor=monitor)
    assert record is not None and len(record.attempts) == 2
    adjusted = record.attempts[1].mix
    assert adjusted["anger"] < 0
    expected = tiny_engine.generate("Hello there", adjusted, max_new_tokens=8)
    assert chosen.text == expected.text == record.attempts[1].text
    meta = metadata(record)
    assert set(meta["reply_reading"]) == {"label", "probabilities", "valence"}
    assert len(meta["monitor"]["attempts"]) == 2


def test_read_and_off(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Hello there", {"joy": 0.5}, max_new_tokens=8)
    first = tiny_engine.generate_batch([request])[0]
    monitor = ReplyMonitor(ReplyReader(PlantedReader(bad="anger")))
    chosen, record = monitor_result(tiny_engine, request, first, "read", monitor=monitor)
    assert chosen == first and record is not None and not record.retried
    assert "monitor" not in metadata(record)
    assert monitor_result(tiny_engine, request, first, "off", monitor=monitor) == (first, None)
