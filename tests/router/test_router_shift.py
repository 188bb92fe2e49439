"""Mood-shift detection: a confident change of the top emotion is a shift; neutral questions never are."""

from __future__ import annotations

import pytest
from _router_helpers import peaked

from emotive_agents.affect.types import AffectReading, reading
from emotive_agents.router.shift import Shift, ShiftSettings, detect_shift
from emotive_agents.router.tracker import AffectTracker


def worried() -> AffectReading:
    return reading({"fear": 0.6, "sadness": 0.15, "neutral": 0.15, "joy": 0.1})


def test_no_shift_on_the_first_turn() -> None:
    assert detect_shift(None, peaked("joy")) is None
    assert AffectTracker().update(peaked("joy")).shift is None


def test_relief_after_worry_is_a_shift_with_its_strength() -> None:
    shift = detect_shift(worried(), peaked("joy", 0.6))
    assert shift is not None
    assert (shift.from_, shift.to) == ("fear", "joy")
    assert shift.strength == pytest.approx(0.6 - 0.1)
    assert shift.valence_change > 0
    assert shift.to_json() == {"from": "fear", "to": "joy", "strength": 0.5}


@pytest.mark.parametrize("label", ["neutral", "surprise"])
def test_a_neutral_or_curious_turn_is_never_a_shift(label: str) -> None:
    assert detect_shift(worried(), peaked(label, 0.9)) is None


def test_the_same_mood_family_is_not_a_shift() -> None:
    angry = peaked("anger", 0.7)
    assert detect_shift(angry, peaked("disgust", 0.7)) is None
    assert detect_shift(worried(), peaked("fear", 0.9)) is None


def test_weak_or_unconfirmed_changes_are_not_shifts() -> None:
    calm = peaked("neutral", 0.6)
    # Too little probability on the new label.
    assert detect_shift(calm, reading({"anger": 0.15, "neutral": 0.5, "surprise": 0.35})) is None
    # Enough probability but neither confident nor confirmed by the valence moving its way.
    mild = reading({"anger": 0.22, "neutral": 0.35, "surprise": 0.35, "joy": 0.08}, valence=0.1)
    assert detect_shift(calm, mild) is None
    # The same probability with the valence dropping sharply is a shift.
    sharp = reading({"anger": 0.22, "neutral": 0.35, "surprise": 0.35, "joy": 0.08}, valence=-0.5)
    shift = detect_shift(calm, sharp)
    assert shift is not None and shift.to == "anger"


def test_a_label_already_high_in_the_smoothed_state_has_not_risen() -> None:
    mixed = reading({"joy": 0.45, "fear": 0.5, "neutral": 0.05})  # fear on top, joy almost as high
    # Joy rose by 0.05 only and does not lead this turn (fear is still as strong).
    assert detect_shift(mixed, reading({"joy": 0.45, "fear": 0.47, "neutral": 0.08})) is None
    # Leading confidently it is the new mood (fifth round), unless that path is switched off.
    leads = reading({"joy": 0.5, "fear": 0.3, "neutral": 0.2})
    assert detect_shift(mixed, leads, ShiftSettings(top_min_gain=None)) is None
    shift = detect_shift(mixed, leads)
    assert shift is not None and (shift.from_, shift.to) == ("fear", "joy")


def calm_but_baseline_angry() -> AffectReading:
    # Calm practical turns: the reader's baseline already holds anger at 0.25.
    return reading({"neutral": 0.5, "anger": 0.25, "joy": 0.1, "fear": 0.1, "surprise": 0.05}, valence=0.0)


def test_the_strongest_label_needs_only_to_hold_its_ground_when_it_leads() -> None:
    angry = reading({"anger": 0.28, "joy": 0.16, "fear": 0.16, "neutral": 0.2, "sadness": 0.2}, valence=-0.05)
    assert angry.label == "anger"
    shift = detect_shift(calm_but_baseline_angry(), angry)  # anger rose by 0.03 only, but it now leads
    assert shift is not None and (shift.from_, shift.to) == ("neutral", "anger")
    # Off, or under the confident mass, or fallen: no shift.
    assert detect_shift(calm_but_baseline_angry(), angry, ShiftSettings(top_min_gain=None)) is None
    assert detect_shift(calm_but_baseline_angry(), angry, ShiftSettings(confident_mass=0.3)) is None
    fallen = reading(
        {"anger": 0.24, "joy": 0.19, "fear": 0.19, "neutral": 0.19, "sadness": 0.19}, valence=-0.05
    )
    assert detect_shift(calm_but_baseline_angry(), fallen) is None
    # A neutral question never leads to a shift, however it reads otherwise.
    assert detect_shift(calm_but_baseline_angry(), peaked("neutral", 0.6)) is None


def test_the_leading_label_wins_over_the_one_that_rose_most_when_preferred() -> None:
    before = reading({"joy": 0.5, "sadness": 0.22, "fear": 0.08, "neutral": 0.2}, valence=0.5)
    # Sadness leads (0.35), fear rose more (0.22 against 0.13): news of a loss, not a fright.
    turn = reading({"sadness": 0.35, "fear": 0.3, "joy": 0.17, "neutral": 0.18}, valence=-0.55)
    shift = detect_shift(before, turn)
    assert shift is not None and shift.to == "sadness"
    rose = detect_shift(before, turn, ShiftSettings(prefer_top=False))
    assert rose is not None and rose.to == "fear"


def test_a_smoothed_label_blocks_its_family_only_when_established() -> None:
    # Worried turns whose smoothed label is joy by a hair: good news is still a change of mood.
    torn = reading(
        {"joy": 0.24, "fear": 0.22, "sadness": 0.21, "neutral": 0.18, "anger": 0.15}, valence=-0.22
    )
    assert torn.label == "joy"
    good = reading({"joy": 0.48, "anger": 0.16, "neutral": 0.12, "fear": 0.12, "sadness": 0.12}, valence=0.47)
    shift = detect_shift(torn, good)
    assert shift is not None and shift.to == "joy" and shift.from_ == "fear"  # the mood it leaves
    assert detect_shift(torn, good, ShiftSettings(established_mass=0.0)) is None
    # An established joyful mood is not "shifted" to joy.
    assert detect_shift(peaked("joy", 0.6), good) is None


def test_a_mood_the_valence_moved_against_is_no_new_mood() -> None:
    before = reading(
        {"neutral": 0.28, "joy": 0.27, "fear": 0.17, "sadness": 0.09, "anger": 0.19}, valence=0.07
    )
    # "Stress fracture, no running for two months", read as joy with the valence falling 0.4.
    injury = reading(
        {"joy": 0.42, "sadness": 0.24, "fear": 0.12, "neutral": 0.12, "anger": 0.1}, valence=-0.33
    )
    shift = detect_shift(before, injury)
    assert shift is not None and shift.to == "sadness"
    wrong = detect_shift(before, injury, ShiftSettings(valence_tolerance=2.0))
    assert wrong is not None and wrong.to == "joy"


def test_settings_can_disable_or_tighten_detection() -> None:
    assert detect_shift(worried(), peaked("joy"), ShiftSettings(enabled=False)) is None
    assert detect_shift(worried(), peaked("joy", 0.5), ShiftSettings(min_mass=0.6)) is None
    with pytest.raises(ValueError):
        ShiftSettings(min_mass=1.5)


def test_the_tracker_records_the_shift_and_can_weigh_the_new_mood_more() -> None:
    def after_worry(settings: ShiftSettings) -> AffectTracker:
        state = AffectTracker(shift_settings=settings)
        for _ in range(3):
            state = state.update(worried())
        return state.update(peaked("joy", 0.7))

    default, heavier = after_worry(ShiftSettings()), after_worry(ShiftSettings(alpha=0.75))
    plain = after_worry(ShiftSettings(enabled=False))
    assert default.shift is not None and default.shift.to == "joy" and plain.shift is None
    assert default.probabilities == plain.probabilities  # by default the smoothing is unchanged
    assert heavier.probabilities is not None and plain.probabilities is not None
    assert heavier.probabilities["joy"] > plain.probabilities["joy"]
    assert default.update(peaked("joy")).shift is None  # the next joyful turn is no longer a change


def test_of_two_strong_emotions_the_one_that_rose_is_the_new_mood() -> None:
    worry = reading({"fear": 0.7, "sadness": 0.1, "neutral": 0.1, "joy": 0.1})
    relief = reading({"fear": 0.33, "joy": 0.32, "neutral": 0.35}, valence=0.2)
    shift = detect_shift(worry, relief)
    assert shift is not None and shift.to == "joy"


def test_a_tracker_with_a_shift_round_trips_through_json() -> None:
    state = AffectTracker().update(worried()).update(peaked("joy"))
    again = AffectTracker.model_validate_json(state.model_dump_json())
    assert again == state and isinstance(again.shift, Shift)


def cheerful() -> AffectReading:
    # A cheerful smoothed state still holds some sadness and fear (the reader's baseline on them).
    return reading({"joy": 0.35, "sadness": 0.17, "neutral": 0.2, "anger": 0.16, "fear": 0.12}, valence=0.15)


def test_a_strong_fall_in_valence_confirms_a_smaller_rise_of_a_negative_mood() -> None:
    # Sadness rises by 0.08 only (under min_gain 0.10) because it was already in the smoothed state.
    # Neutral leads this turn, so the leading-label path (fifth round) does not apply.
    sad = reading({"sadness": 0.25, "anger": 0.23, "joy": 0.12, "fear": 0.13, "neutral": 0.27}, valence=-0.55)
    shift = detect_shift(cheerful(), sad)
    assert shift is not None and shift.to == "sadness"
    assert shift.strength == pytest.approx(0.08)
    # Without the strong fall it is not a shift, nor with the rule switched off (2.0).
    assert detect_shift(cheerful(), sad.model_copy(update={"valence": -0.2})) is None
    assert detect_shift(cheerful(), sad, ShiftSettings(strong_valence_change=2.0)) is None
    # A rise under strong_min_gain is never enough.
    assert detect_shift(cheerful(), sad, ShiftSettings(strong_min_gain=0.1)) is None


def test_a_small_rise_of_joy_is_never_confirmed_by_valence_alone() -> None:
    # A neutral question after distress: valence climbs a lot, joy rises a little. Not relief.
    before = reading({"fear": 0.4, "sadness": 0.3, "joy": 0.15, "neutral": 0.15}, valence=-0.6)
    question = reading({"neutral": 0.45, "joy": 0.22, "fear": 0.18, "sadness": 0.15}, valence=0.1)
    assert detect_shift(before, question) is None
    assert detect_shift(before, question, ShiftSettings(min_gain=0.05)) is not None  # only the rise stops it
