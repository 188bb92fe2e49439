"""The closed loop: a planted bad reply triggers exactly one retry, recorded with both attempts."""

from __future__ import annotations

from _planted import PlantedReader

from emotive_agents.monitor.loop import ReplyMonitor, check_mode
from emotive_agents.monitor.reading import ReplyReader
from emotive_agents.monitor.verdict import RetryPlan

TEXT = "Let me look into your order and get back to you shortly."


def monitor(reader: PlantedReader) -> ReplyMonitor:
    return ReplyMonitor(ReplyReader(reader))


def test_read_mode_only_reads() -> None:
    calls: list[dict] = []
    record = monitor(PlantedReader()).run("read", {"calm": 1.0}, TEXT, lambda m, s: calls.append(m) or "x")
    assert calls == [] and not record.retried and record.reading.label == "anger"


def test_bad_reply_retries_once_and_keeps_the_better_attempt() -> None:
    reader = PlantedReader(bad="anger", good="neutral", bad_calls=2)  # first reply + the user: angry
    calls: list[tuple[dict, dict]] = []

    def retry(mix: dict, plan: RetryPlan) -> str:
        calls.append((mix, plan.sampling))
        return "Of course, I will check it calmly."

    record = monitor(reader).run("retry", {"calm": 1.0}, TEXT, retry, user_text="Where is my order?")
    assert len(calls) == 1
    assert calls[0][0]["anger"] < 0
    assert record.retried and record.chosen == 1
    assert [a.verdict.ok for a in record.attempts] == [False, True]
    body = record.to_json()
    assert body["attempts"][0]["reasons"] == ["hostile_for_positive"] and body["chosen"] == 1


def test_still_bad_after_the_retry_is_bounded_to_one_retry() -> None:
    calls = []
    record = monitor(PlantedReader()).run(
        "retry", {"joy": 0.5}, TEXT, lambda m, s: calls.append(m) or "still angry"
    )
    assert len(calls) == 1 and len(record.attempts) == 2
    assert record.chosen == 0  # no better: the first reply stands


def test_the_best_candidate_is_kept_and_all_are_recorded() -> None:
    # first reply + user read angry; the candidates: anger, then joy, then neutral
    reader = PlantedReader(bad="anger", good="neutral", bad_calls=3)
    plans: list[RetryPlan] = []

    def retry(mix: dict, plan: RetryPlan) -> list[str]:
        plans.append(plan)
        return ["still angry", "calm now", "calm again"]

    record = monitor(reader).run("retry", {"calm": 1.0}, TEXT, retry, user_text="Where is my order?")
    assert len(plans) == 1 and plans[0].instruction and plans[0].candidates > 1
    assert record.chosen == 1 and record.attempts[1].text == "calm now"
    body = record.to_json()
    assert [c["label"] for c in body["candidates"]] == ["anger", "neutral", "neutral"]
    assert len(body["attempts"]) == 2 and any("tone:" in n for n in body["attempts"][1]["notes"])


def test_good_reply_is_not_retried() -> None:
    calls = []
    record = monitor(PlantedReader(bad="neutral")).run(
        "retry", {"calm": 1.0}, TEXT, lambda m, s: calls.append(m) or "x"
    )
    assert calls == [] and not record.retried and record.attempts[0].verdict.ok


def test_a_failed_retry_keeps_the_first_reply() -> None:
    def retry(mix: dict, plan: RetryPlan) -> str:
        raise RuntimeError("queue full")

    record = monitor(PlantedReader()).run("retry", {"calm": 1.0}, TEXT, retry)
    assert not record.retried and record.retry_error and "queue full" in record.retry_error


def test_guard_is_applied_to_the_retry_mix() -> None:
    seen = []
    record = monitor(PlantedReader()).run(
        "retry", {"calm": 1.0}, TEXT, lambda m, s: seen.append(m) or "x", guard=lambda mix: {"calm": 0.5}
    )
    assert seen == [{"calm": 0.5}] and record.attempts[1].mix == {"calm": 0.5}


def test_check_mode() -> None:
    assert check_mode(None) == "read" and check_mode("retry") == "retry"
    try:
        check_mode("always")
    except ValueError as exc:
        assert "monitor" in str(exc)
    else:
        raise AssertionError("a bad mode was accepted")
