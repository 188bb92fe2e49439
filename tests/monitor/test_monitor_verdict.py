"""The checks that call a reply "against the request", and the bounds of the retry's mix."""

from __future__ import annotations

from _planted import peaked

from emotive_agents.monitor.reading import ReplyReading
from emotive_agents.monitor.verdict import MonitorThresholds, check_reply, plan_retry

CALM_TEXT = "I understand, let me check that for you right away and sort it out."
LOOP = "I'm so glad you're feeling better. " * 6


def r(label: str, p: float = 0.8) -> ReplyReading:
    return ReplyReading.from_affect(peaked(label, p))


def test_a_reply_that_reads_as_asked_is_ok() -> None:
    verdict = check_reply({"calm": 1.0}, r("neutral"), CALM_TEXT)
    assert verdict.ok and verdict.reasons == []


def test_each_reason() -> None:
    assert check_reply({"calm": 1.0}, r("anger"), CALM_TEXT).reasons == ["hostile_for_positive"]
    assert check_reply({"joy": 0.5}, r("fear"), CALM_TEXT).reasons == ["hostile_for_positive"]
    assert check_reply({"sadness": -0.5}, r("sadness"), CALM_TEXT).reasons == ["suppressed_dominates"]
    # joy for a distressed user
    assert check_reply({}, r("joy"), CALM_TEXT, user=r("sadness")).reasons == ["celebrating_distress"]
    assert check_reply({}, r("joy"), CALM_TEXT, user=r("joy")).ok
    looped = check_reply({"joy": 0.5}, r("joy"), LOOP)
    assert looped.reasons == ["loop"] and looped.distinct2 < 0.6
    assert check_reply({}, r("neutral"), "ok ok ok").ok  # too short to call a loop


def test_retry_mix_moves_away_from_the_problem_within_bounds() -> None:
    verdict = check_reply({"calm": 1.0}, r("anger"), CALM_TEXT)
    plan = plan_retry({"calm": 1.0}, verdict, r("anger"), available=["calm", "anger", "joy"])
    assert plan.mix["anger"] < 0 < plan.mix["calm"]
    assert sum(abs(v) for v in plan.mix.values()) <= 1.0 + 1e-6  # max(asked total, 1.0)


def test_retry_never_amplifies_a_negative_emotion() -> None:
    asked = {"sadness": 0.4, "joy": 0.2}
    verdict = check_reply(asked, r("joy"), CALM_TEXT, user=r("sadness"))
    plan = plan_retry(asked, verdict, r("joy"), available=["sadness", "joy", "calm"])
    assert plan.mix.get("sadness", 0.0) <= 0.4 and plan.mix.get("joy", 0.0) < 0.2
    assert "calm" in plan.mix


def test_a_loop_halves_the_mix_and_turns_on_repetition_control() -> None:
    verdict = check_reply({"joy": 0.8}, r("joy"), LOOP)
    plan = plan_retry({"joy": 0.8}, verdict, r("joy"))
    assert plan.mix == {"joy": 0.4}
    assert plan.sampling == {"no_repeat_ngram_size": 3, "repetition_penalty": 1.2}


def test_unknown_emotions_are_not_added() -> None:
    verdict = check_reply({"joy": 1.0}, r("disgust"), CALM_TEXT)
    plan = plan_retry({"joy": 1.0}, verdict, r("disgust"), available=["joy"])
    assert set(plan.mix) == {"joy"}


def test_thresholds_are_settable() -> None:
    strict = MonitorThresholds(min_distinct2=0.99)
    assert check_reply({}, r("neutral"), CALM_TEXT + " " + CALM_TEXT, thresholds=strict).reasons == ["loop"]
