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
    assert plan.sampling["no_repeat_ngram_size"] == 3 and plan.sampling["repetition_penalty"] == 1.2


def test_unknown_emotions_are_not_added() -> None:
    verdict = check_reply({"joy": 1.0}, r("disgust"), CALM_TEXT)
    plan = plan_retry({"joy": 1.0}, verdict, r("disgust"), available=["joy"])
    assert set(plan.mix) == {"joy"}


def test_thresholds_are_settable() -> None:
    strict = MonitorThresholds(min_distinct2=0.99)
    assert check_reply({}, r("neutral"), CALM_TEXT + " " + CALM_TEXT, thresholds=strict).reasons == ["loop"]


def test_off_tone_when_no_other_reason_fired() -> None:
    # calm reads as neutral: a joyful reply to a calm request is off tone
    verdict = check_reply({"calm": 0.8, "anger": -0.5}, r("joy"), CALM_TEXT)
    assert verdict.reasons == ["off_tone"] and "neutral" in verdict.notes[0]
    # joy asked, a flat reply: off tone too
    assert check_reply({"joy": 0.9}, r("neutral"), CALM_TEXT).reasons == ["off_tone"]
    # a minor part of the mix shapes the expectation only from 40 % of the strongest on
    assert check_reply({"calm": 0.7, "sadness": 0.3}, r("sadness"), CALM_TEXT).ok
    assert check_reply({"calm": 0.9, "sadness": 0.2}, r("sadness"), CALM_TEXT).reasons == ["off_tone"]
    # never stacked on another reason, nothing expected from an empty mix, and it can be turned off
    assert check_reply({"calm": 1.0}, r("anger"), CALM_TEXT).reasons == ["hostile_for_positive"]
    assert check_reply({}, r("surprise"), CALM_TEXT).ok
    assert check_reply({"calm": 1.0}, r("joy"), CALM_TEXT, thresholds=MonitorThresholds(off_tone=False)).ok


def test_celebrating_distress_pushes_joy_well_below_zero_and_asks_for_a_plain_tone() -> None:
    asked = {"calm": 0.5, "joy": 0.2, "fear": -0.2, "sadness": -0.1}
    verdict = check_reply(asked, r("joy"), CALM_TEXT, user=r("fear"))
    assert verdict.reasons == ["celebrating_distress"]
    plan = plan_retry(asked, verdict, r("joy"), user=r("fear"))
    assert plan.mix["joy"] < -0.2 and plan.mix["calm"] > 0
    # the suppressed negatives keep exactly what was asked (the total cap shrinks the others only)
    assert plan.mix["fear"] == -0.2 and plan.mix["sadness"] == -0.1
    assert sum(abs(v) for v in plan.mix.values()) <= 1.0 + 1e-6
    assert plan.instruction is not None and "neutral" in plan.instruction
    assert plan.expected == ["neutral"] and plan.candidates == MonitorThresholds().candidates


def test_a_flat_reply_to_a_joyful_request_asks_for_warmth() -> None:
    verdict = check_reply({"joy": 0.5}, r("neutral"), CALM_TEXT)
    plan = plan_retry({"joy": 0.5}, verdict, r("neutral"))
    assert plan.mix["joy"] > 0.5 and plan.instruction is not None and "cheerful" in plan.instruction


def test_retry_sampling_and_seeds() -> None:
    verdict = check_reply({"calm": 1.0}, r("joy"), CALM_TEXT)
    plan = plan_retry({"calm": 1.0}, verdict, r("joy"), seed=5)
    assert plan.sampling["temperature"] > 0 and plan.sampling["seed"] == 5
    greedy = MonitorThresholds(temperature=0.0, instruction=False)
    plan = plan_retry({"calm": 1.0}, verdict, r("joy"), thresholds=greedy)
    assert plan.candidates == 1 and "temperature" not in plan.sampling and plan.instruction is None


def test_a_hostile_reply_weighs_more_than_one_other_problem() -> None:
    from emotive_agents.monitor.verdict import severity

    asked = {"calm": 0.4, "sadness": -0.2}
    suppressed = check_reply(asked, r("sadness"), CALM_TEXT)
    hostile = check_reply(asked, r("anger"), CALM_TEXT)
    assert suppressed.reasons == ["suppressed_dominates"] and hostile.reasons == ["hostile_for_positive"]
    assert severity(hostile) > severity(suppressed)
