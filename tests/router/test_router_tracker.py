"""Multi-turn tracking: smoothing, trend, crisis memory, and a state that serialises."""

from __future__ import annotations

from _router_helpers import peaked

from emotive_agents.router.tracker import AffectTracker, is_low_mood


def test_first_turn_is_the_reading_itself() -> None:
    state = AffectTracker().update(peaked("fear"))
    assert state.turns == 1 and state.smoothed is not None
    assert state.smoothed.label == "fear" and state.trend == 0.0


def test_neutral_after_three_distressed_turns_stays_negative() -> None:
    state = AffectTracker()
    for _ in range(3):
        state = state.update(peaked("sadness", 0.9))
    state = state.update(peaked("neutral", 0.9))
    assert state.smoothed is not None
    negative = sum(state.smoothed.probabilities[k] for k in ("anger", "disgust", "fear", "sadness"))
    assert negative > 0.4
    assert state.trend > 0  # getting better, and the state knows it
    assert state.history[-1] == "neutral"


def test_update_returns_a_new_state() -> None:
    state = AffectTracker()
    after = state.update(peaked("joy"))
    assert state.turns == 0 and after.turns == 1


def test_worsening_gives_a_negative_trend_and_crisis_memory_counts_turns() -> None:
    state = AffectTracker().update(peaked("joy")).update(peaked("sadness"), crisis=True)
    assert state.trend < 0 and state.turns_since_crisis == 0
    state = state.update(peaked("neutral"))
    assert state.turns_since_crisis == 1


def test_state_round_trips_through_json() -> None:
    state = AffectTracker(alpha=0.7).update(peaked("anger")).update(peaked("joy"))
    again = AffectTracker.model_validate_json(state.model_dump_json())
    assert again == state


def test_low_mood_is_distress_led_by_sadness() -> None:
    assert is_low_mood(peaked("sadness"), distressed=True)
    assert not is_low_mood(peaked("sadness"), distressed=False)
    assert not is_low_mood(peaked("fear"), distressed=True)
    assert not is_low_mood(peaked("anger"), distressed=True)
    state = AffectTracker().update(peaked("sadness"), low_mood=True).update(peaked("fear"))
    assert state.low_mood == (True, False)
