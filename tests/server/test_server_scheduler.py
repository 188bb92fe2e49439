"""Continuous batching: mixed-emotion rows share decode steps and still decode exactly as alone."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from _server_helpers import Slow as SlowForward

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.scheduler import (
    ContextLengthError,
    QueueFullError,
    QueueTimeoutError,
    RequestTimeoutError,
    Scheduler,
    SchedulerClosedError,
)

PROMPTS = [
    "Hello there",
    "How are you doing today, friend?",
    "x",
    "A much longer prompt with many characters.",
]
MIXES = [{"joy": 1.0}, {"anger": 0.7}, {}, {"sadness": -0.5, "joy": 0.3}]


def test_mixed_continuous_batch_equals_solo(tiny, assert_model_untouched) -> None:
    """Rows with different mixes and budgets, joining at different steps: each equals its solo run."""
    loaded, vectors = tiny
    assert_model_untouched(loaded)
    engine = EmotiveEngine(loaded, vectors)
    requests = [
        engine.request(p, m, max_new_tokens=6 + 4 * i)
        for i, (p, m) in enumerate(zip(PROMPTS, MIXES, strict=True))
    ]
    solo = [engine.generate_batch([r])[0] for r in requests]
    assert len({s.text for s in solo}) > 1, "precondition: the mixes give different outputs"
    # >= 5 ms per forward: rows of 6+ tokens outlive the 10 ms gaps, so later rows join a running batch.
    with SlowForward(engine, delay=0.005), Scheduler(engine, max_batch_size=3) as scheduler:
        handles = []
        for request in requests:
            handles.append(scheduler.submit(request))
            time.sleep(0.01)
        results = [h.result(timeout=60) for h in handles]
        stats = scheduler.snapshot()
    for alone, batched in zip(solo, results, strict=True):
        assert batched.text == alone.text
        assert batched.usage == alone.usage
        assert batched.finish_reason == alone.finish_reason
    assert stats.max_batch >= 2, "rows never shared a decode step"
    total_rows = sum(len(r.text) for r in results)  # one character token per step per row
    assert stats.decode_steps < total_rows


def test_rows_join_a_running_batch(tiny_engine: EmotiveEngine) -> None:
    """A request submitted mid-decode joins at the next step instead of waiting for the batch to end."""
    long = tiny_engine.request("first", {"joy": 0.5}, max_new_tokens=40)
    short = tiny_engine.request("second", {"anger": 0.5}, max_new_tokens=4)
    with SlowForward(tiny_engine, delay=0.01), Scheduler(tiny_engine, max_batch_size=4) as scheduler:
        first = scheduler.submit(long)
        events = first.events(timeout=30)
        next(events)  # the first row is decoding
        second = scheduler.submit(short)
        second.result(timeout=30)
        assert scheduler.snapshot().active == 1, "the short row finished while the long one still runs"
        first.result(timeout=30)
        assert scheduler.snapshot().max_batch == 2


def test_streamed_deltas_add_up_to_the_text(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Stream me", {"joy": 0.4}, max_new_tokens=12)
    with Scheduler(tiny_engine) as scheduler:
        events = list(scheduler.submit(request).events(timeout=30))
    deltas = [e.text for e in events if e.kind == "delta"]
    assert events[-1].kind == "done"
    assert len(deltas) > 1
    assert "".join(deltas) == events[-1].text == tiny_engine.generate_batch([request])[0].text


def test_stop_sequences_cut_the_text(tiny_engine: EmotiveEngine) -> None:
    plain = tiny_engine.request("Stop me", max_new_tokens=12)
    text = tiny_engine.generate_batch([plain])[0].text
    stop = text[3:5]
    request = tiny_engine.request("Stop me", max_new_tokens=12, stop=[stop])
    with Scheduler(tiny_engine) as scheduler:
        events = list(scheduler.submit(request).events(timeout=30))
    done = events[-1]
    assert done.finish_reason == "stop"
    assert done.text == text[: text.find(stop)]
    assert "".join(e.text for e in events if e.kind == "delta") == done.text


def test_seeded_sampling_ignores_batch_mates(tiny_engine: EmotiveEngine) -> None:
    """A seeded sampled row draws from its own generator: same seed, same text, whoever shares the batch."""
    sampled = tiny_engine.request("Sample", {"joy": 0.3}, max_new_tokens=10, temperature=1.0, seed=7)
    other = tiny_engine.request("Other", {"anger": 0.8}, max_new_tokens=10, temperature=1.0, top_p=0.9)
    with Scheduler(tiny_engine) as scheduler:
        alone = scheduler.submit(sampled).result(timeout=30).text
        handles = [scheduler.submit(other), scheduler.submit(sampled), scheduler.submit(other)]
        together = [h.result(timeout=30).text for h in handles]
    assert together[1] == alone
    different_seed = tiny_engine.request("Sample", {"joy": 0.3}, max_new_tokens=10, temperature=1.0, seed=8)
    with Scheduler(tiny_engine) as scheduler:
        assert scheduler.submit(different_seed).result(timeout=30).text != alone


def test_cancel_frees_the_row(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Cancel me", max_new_tokens=60)
    with SlowForward(tiny_engine, delay=0.01), Scheduler(tiny_engine) as scheduler:
        handle = scheduler.submit(request)
        events = handle.events(timeout=30)
        assert next(events).kind == "delta"
        handle.cancel()
        rest = list(events)
        assert rest[-1].kind == "error"
        assert "cancelled" in str(rest[-1].error)
        deadline = time.monotonic() + 5
        while scheduler.snapshot().active and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = scheduler.snapshot()
    assert stats.active == 0
    assert stats.cancelled == 1
    assert sum(e.kind == "delta" for e in rest) < 60


def test_full_queue_is_refused(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Busy", max_new_tokens=30)
    with (
        SlowForward(tiny_engine, delay=0.01),
        Scheduler(tiny_engine, max_batch_size=1, max_queue=1) as scheduler,
    ):
        running = scheduler.submit(request)
        queued = scheduler.submit(request)
        with pytest.raises(QueueFullError, match="capacity"):
            scheduler.submit(request)
        assert running.result(timeout=30).usage.output_tokens == 30
        assert queued.result(timeout=30).usage.output_tokens == 30
        assert scheduler.snapshot().rejected == 1


def test_timeouts_in_queue_and_while_decoding(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Slow", max_new_tokens=200)
    with SlowForward(tiny_engine, delay=0.01), Scheduler(tiny_engine, max_batch_size=1) as scheduler:
        running = scheduler.submit(request, timeout_s=0.5)
        waiting = scheduler.submit(request, timeout_s=0.2)
        with pytest.raises(QueueTimeoutError):
            waiting.result(timeout=10)
        with pytest.raises(RequestTimeoutError):
            running.result(timeout=10)
        assert scheduler.snapshot().timed_out == 2
        # and it keeps serving
        assert scheduler.submit(tiny_engine.request("ok", max_new_tokens=3)).result(timeout=10).text


def test_intensities_that_round_to_zero_decode_unsteered(tiny_engine: EmotiveEngine) -> None:
    """1e-46 is a valid intensity whose float32 coefficient is 0: no delta, the unsteered text."""
    with Scheduler(tiny_engine, max_batch_size=2) as scheduler:
        tiny = scheduler.submit(tiny_engine.request("Hello there", {"joy": 1e-46}, max_new_tokens=5))
        plain = scheduler.submit(tiny_engine.request("Hello there", None, max_new_tokens=5))
        assert tiny.result(timeout=30).text == plain.result(timeout=30).text
        assert scheduler.snapshot().failed == 0


def test_context_window_is_checked_on_submit(tiny_engine: EmotiveEngine) -> None:
    window = tiny_engine.loaded.model.config.max_position_embeddings
    with Scheduler(tiny_engine) as scheduler, pytest.raises(ContextLengthError, match="context window"):
        scheduler.submit(tiny_engine.request("x" * window, max_new_tokens=4))


def test_stop_fails_waiting_requests_and_refuses_new_ones(tiny_engine: EmotiveEngine) -> None:
    request = tiny_engine.request("Bye", max_new_tokens=100)
    with SlowForward(tiny_engine, delay=0.01):
        scheduler = Scheduler(tiny_engine, max_batch_size=1).start()
        handles = [scheduler.submit(request) for _ in range(2)]
        scheduler.stop()
    for handle in handles:
        with pytest.raises(SchedulerClosedError):
            handle.result(timeout=10)
    with pytest.raises(SchedulerClosedError):
        scheduler.submit(request)


def test_unmergeable_caches_run_one_row_at_a_time(tiny_engine: EmotiveEngine) -> None:
    """Models with sliding-window or linear-attention caches fall back to one row per step, still exact."""
    requests = [tiny_engine.request(p, m, max_new_tokens=6) for p, m in zip(PROMPTS, MIXES, strict=True)]
    scheduler = Scheduler(tiny_engine, max_batch_size=4)
    scheduler._mergeable = False
    assert scheduler.capacity == 1
    with scheduler:
        texts = [h.result(timeout=30).text for h in [scheduler.submit(r) for r in requests]]
        assert scheduler.snapshot().max_batch == 1
    assert texts == [r.text for r in tiny_engine.generate_batch(requests)]


def test_async_consumers_get_events_on_their_loop(tiny_engine: EmotiveEngine) -> None:
    import asyncio

    async def main() -> str:
        with Scheduler(tiny_engine) as scheduler:
            handle = scheduler.submit(
                tiny_engine.request("Async", max_new_tokens=5), loop=asyncio.get_running_loop()
            )
            return (await handle.aresult()).text

    assert asyncio.run(main()) == tiny_engine.generate("Async", max_new_tokens=5).text


def test_many_threads_submitting_at_once(tiny_engine: EmotiveEngine) -> None:
    requests = [tiny_engine.request(f"thread {i}", MIXES[i % 4], max_new_tokens=5) for i in range(12)]
    expected = [tiny_engine.generate_batch([r])[0].text for r in requests]
    results: list[str | None] = [None] * len(requests)
    with Scheduler(tiny_engine, max_batch_size=5) as scheduler:

        def work(i: int) -> None:
            results[i] = scheduler.submit(requests[i]).result(timeout=60).text

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == expected


@pytest.mark.integration
def test_embedded_model_mixed_batch_equals_solo() -> None:
    engine = EmotiveEngine.load()
    mixes = [{"joy": 0.6}, {"anger": 0.6}, {}, {"calm": 0.6, "sadness": 0.3}]
    prompts = ["How was your weekend?", "My order is late.", "Tell me about Mondays.", "I lost my keys."]
    requests = [engine.request(p, m, max_new_tokens=8) for p, m in zip(prompts, mixes, strict=True)]
    solo = [engine.generate_batch([r])[0].text for r in requests]
    with torch.inference_mode(), Scheduler(engine, max_batch_size=4) as scheduler:
        handles = [scheduler.submit(r) for r in requests]
        batched = [h.result(timeout=120).text for h in handles]
        assert scheduler.snapshot().max_batch >= 2
    assert batched == solo


def test_repetition_control_in_a_batch_equals_generate(tiny_engine: EmotiveEngine) -> None:
    """repetition_penalty / no_repeat_ngram_size: the scheduler's hand sampling equals model.generate."""
    requests = [
        tiny_engine.request(p, m, max_new_tokens=16, repetition_penalty=1.4, no_repeat_ngram_size=2)
        for p, m in zip(PROMPTS[:3], MIXES[:3], strict=True)
    ]
    solo = [tiny_engine.generate_batch([r])[0] for r in requests]
    plain = tiny_engine.generate_batch(
        [
            requests[0].model_copy(
                update={
                    "params": requests[0].params.model_copy(
                        update={"repetition_penalty": 1.0, "no_repeat_ngram_size": 0}
                    )
                }
            )
        ]
    )[0]
    assert plain.text != solo[0].text, "precondition: repetition control changes the output"
    with Scheduler(tiny_engine, max_batch_size=3) as scheduler:
        results = [h.result(timeout=60) for h in [scheduler.submit(r) for r in requests]]
    assert [r.text for r in results] == [s.text for s in solo]


def test_scheduler_trims_to_a_sentence_and_stops_at_a_soft_budget(tiny_engine: EmotiveEngine) -> None:
    """Planted tokens through the scheduler: the budget-cut tail is trimmed; a soft budget stops early."""
    from _tiny import PlantedTokens

    tokenizer = tiny_engine.loaded.tokenizer

    def run(text: str, **params: object) -> list:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        request = tiny_engine.request("Hi", max_new_tokens=len(ids), **params)
        with PlantedTokens(tiny_engine.loaded.model, ids), Scheduler(tiny_engine) as scheduler:
            return list(scheduler.submit(request).events(timeout=30))

    events = run("I can help. Let me ch", trim_to_sentence=True)
    assert events[-1].text == "I can help." and events[-1].usage.trimmed
    assert events[-1].finish_reason == "length"
    assert "".join(e.text for e in events[:-1]) == "I can help."  # whole sentences only were streamed
    events = run("I can help. Let me ch")
    assert events[-1].text == "I can help. Let me ch" and not events[-1].usage.trimmed
    events = run("Yes. No. Maybe so", soft_max_tokens=3)
    assert events[-1].text == "Yes." and events[-1].finish_reason == "stop"
