"""The monitor over a real (tiny) engine: one retry round of candidates with the adjusted mix and tone."""

from __future__ import annotations

from _planted import PlantedReader

from emotive_agents.engine import EmotiveEngine
from emotive_agents.monitor.engine_loop import metadata, monitor_result, retry_requests
from emotive_agents.monitor.loop import ReplyMonitor
from emotive_agents.monitor.reading import ReplyReader
from emotive_agents.monitor.tone import WARM
from emotive_agents.monitor.verdict import RetryPlan


def test_retry_round_regenerates_with_the_adjusted_mix_and_tone(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Hello there", {"joy": 0.5}, max_new_tokens=8, seed=7)
    first = tiny_engine.generate_batch([request])[0]
    # the first reply and the user read angry, every candidate joyful
    monitor = ReplyMonitor(ReplyReader(PlantedReader(bad="anger", good="joy", bad_calls=2)))
    chosen, record = monitor_result(tiny_engine, request, first, "retry", monitor=monitor)
    assert record is not None and len(record.attempts) == 2 and record.chosen == 1
    adjusted = record.attempts[1].mix
    assert adjusted["anger"] < 0
    messages = [{"role": "system", "content": WARM}, {"role": "user", "content": "Hello there"}]
    for k, candidate in enumerate(record.candidates):  # seeded: candidate k samples with seed 7 + k
        again = tiny_engine.generate(
            messages, adjusted, max_new_tokens=8, temperature=0.8, top_p=0.95, seed=7 + k
        )
        assert candidate.text == again.text
    assert chosen.text == record.attempts[1].text == record.candidates[0].text
    meta = metadata(record)
    assert set(meta["reply_reading"]) == {"label", "probabilities", "valence"}
    assert len(meta["monitor"]["attempts"]) == 2 and len(meta["monitor"]["candidates"]) == 4


def test_a_retry_round_that_is_no_better_keeps_the_first_reply(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Hello there", {"joy": 0.5}, max_new_tokens=8)
    first = tiny_engine.generate_batch([request])[0]
    monitor = ReplyMonitor(ReplyReader(PlantedReader(bad="anger")))
    chosen, record = monitor_result(tiny_engine, request, first, "retry", monitor=monitor)
    assert record is not None and record.retried and record.chosen == 0 and chosen == first


def test_read_and_off(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Hello there", {"joy": 0.5}, max_new_tokens=8)
    first = tiny_engine.generate_batch([request])[0]
    monitor = ReplyMonitor(ReplyReader(PlantedReader(bad="anger")))
    chosen, record = monitor_result(tiny_engine, request, first, "read", monitor=monitor)
    assert chosen == first and record is not None and not record.retried
    assert "monitor" not in metadata(record)
    assert monitor_result(tiny_engine, request, first, "off", monitor=monitor) == (first, None)


def test_retry_requests_add_the_tone_to_the_system_prompt(tiny_engine: EmotiveEngine) -> None:
    plan = RetryPlan(
        mix={"calm": 0.5}, sampling={"temperature": 0.8, "seed": 3}, instruction="Be plain.", candidates=2
    )
    request = tiny_engine.request(
        [{"role": "system", "content": "You help."}, {"role": "user", "content": "Hi"}]
    )
    out = retry_requests(request, {"calm": 0.5}, plan)
    assert [r.params.seed for r in out] == [3, 4] and all(r.params.temperature == 0.8 for r in out)
    assert out[0].messages[0].content == "You help. Be plain." and len(out[0].messages) == 2
    assert out[0].emotion.as_dict() == {"calm": 0.5}
    bare = retry_requests(tiny_engine.request("Hi"), {}, plan)[0]
    assert bare.messages[0].role == "system" and bare.messages[0].content == "Be plain."
    rendered = request.model_copy(update={"prompt": "User: Hi\nAssistant:"})
    assert retry_requests(rendered, {}, plan)[0].messages == request.messages  # no template, no tone
