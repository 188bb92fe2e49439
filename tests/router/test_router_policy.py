"""Policies: shipped ones on fixed readings (table-driven), loading, and guard rails over random readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _router_helpers import peaked
from hypothesis import given, settings
from hypothesis import strategies as st

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS, reading
from emotive_agents.router.policy import (
    SHIPPED_POLICIES,
    Policy,
    PolicyError,
    Rule,
    apply_guard_rails,
    load_policy,
)
from emotive_agents.router.shift import Shift

# (policy, reading label, distressed, expected rule, emotions that must be positive, that must be negative)
TABLE = [
    ("health", "fear", True, "afraid patient", {"calm", "joy"}, {"fear", "sadness"}),
    ("health", "sadness", True, "sad patient", {"calm"}, {"sadness"}),
    ("health", "anger", True, "angry patient", {"calm"}, {"anger"}),
    ("health", "joy", False, "relieved patient", {"joy"}, set()),
    ("health", "neutral", False, "default", {"calm"}, set()),
    ("support", "anger", True, "angry customer", {"calm", "patient"}, {"anger"}),
    ("support", "disgust", True, "angry customer", {"calm"}, {"anger"}),
    ("support", "fear", True, "worried customer", {"calm"}, {"fear"}),
    ("support", "joy", False, "happy customer", {"joy"}, set()),
    ("support", "neutral", False, "default", {"calm", "patient"}, set()),
    ("tutor", "anger", True, "frustrated learner", {"encouraging"}, {"anger"}),
    ("tutor", "sadness", True, "discouraged learner", {"encouraging"}, {"sadness"}),
    ("tutor", "fear", True, "anxious learner", {"calm", "encouraging"}, {"fear"}),
    ("tutor", "joy", False, "successful learner", {"joy"}, set()),
    ("tutor", "surprise", False, "curious learner", {"encouraging"}, set()),
]


@pytest.mark.parametrize(("name", "label", "distressed", "rule", "positive", "negative"), TABLE)
def test_shipped_policies_on_fixed_readings(
    name: str, label: str, distressed: bool, rule: str, positive: set[str], negative: set[str]
) -> None:
    policy = load_policy(name)
    r = peaked(label)
    assert policy.is_distressed(r) == distressed
    chosen, mix, _ = policy.select(r, distressed=distressed)
    assert chosen == rule
    guarded = apply_guard_rails(mix, distressed=distressed, max_total=policy.max_total).mix
    assert all(guarded.get(e, 0) > 0 for e in positive), guarded
    assert all(guarded.get(e, 0) < 0 for e in negative), guarded
    assert sum(abs(v) for v in guarded.values()) <= 1.0 + 1e-6


def test_happy_user_gets_moderate_joy() -> None:
    for name in SHIPPED_POLICIES:
        policy = load_policy(name)
        _, mix, _ = policy.select(peaked("joy"), distressed=False)
        assert 0.2 <= mix["joy"] <= 0.6, (name, mix)


def test_every_shipped_policy_loads_and_escalates_with_filled_template() -> None:
    for name in SHIPPED_POLICIES:
        policy = load_policy(name)
        assert policy.name == name and policy.escalates
        assert policy.escalation is not None
        text = policy.escalation.message()
        assert "{" not in text and "emergency" in text


def test_policy_from_json_yaml_and_dict(tmp_path: Path) -> None:
    data = {"name": "mine", "rules": [{"name": "sad", "when": {"labels": ["sadness"]}, "mix": {"joy": 0.3}}]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    assert load_policy(path).rules[0].mix == {"joy": 0.3}
    yaml_path = tmp_path / "mine.yaml"
    yaml_path.write_text("name: mine\ndefault_mix: {calm: 0.2}\n")
    assert load_policy(yaml_path).default_mix == {"calm": 0.2}
    assert load_policy(data).name == "mine"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("name: x\nrules: [{name: r, when: {labels: [rage]}, mix: {calm: 1}}]\n", "rage"),
        ("name: x\nbogus_field: 1\n", "bogus_field"),
        ("- just a list\n", "mapping"),
        ("name: x\nescalation: {template: 'call {line}'}\n", "line"),
        ("name: [unclosed\n", "cannot parse"),
    ],
)
def test_bad_policy_files_are_clear_errors(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(PolicyError, match=needle):
        load_policy(path)


def test_unknown_policy_name_lists_the_shipped_ones() -> None:
    with pytest.raises(PolicyError, match="tutor"):
        load_policy("no-such-policy")


def test_conditions_combine_with_and() -> None:
    policy = Policy(
        name="t",
        rules=(
            Rule(
                name="sad and sure", when={"labels": ("sadness",), "min_confidence": 0.7}, mix={"calm": 0.5}
            ),
            Rule(name="negative", when={"valence_below": -0.2}, mix={"patient": 0.5}),
        ),
        default_mix={"joy": 0.1},
    )
    assert policy.select(peaked("sadness", 0.8), distressed=True)[0] == "sad and sure"
    assert policy.select(peaked("sadness", 0.5), distressed=True)[0] == "negative"
    assert policy.select(peaked("neutral"), distressed=False)[0] == "default"


def test_guard_rails_drop_unknown_emotions_and_clip() -> None:
    guarded = apply_guard_rails(
        {"joy": 3.0, "sparkle": 0.5}, distressed=False, max_total=5.0, available=["joy", "calm"]
    )
    assert guarded.mix == {"joy": 1.0}
    assert any("sparkle" in n for n in guarded.notes) and any("clipped" in n for n in guarded.notes)


# -- guard rails over random readings and random (hostile) policies -------------------------------

emotion_names = st.sampled_from([*NEGATIVE_LABELS, "joy", "calm", "encouraging", "patient"])
mixes = st.dictionaries(emotion_names, st.floats(-4, 4, allow_nan=False), max_size=6)
probabilities = st.lists(st.floats(0, 1, allow_nan=False), min_size=len(LABELS), max_size=len(LABELS))


@settings(max_examples=200, deadline=None)
@given(
    probs=probabilities,
    valence=st.floats(-1, 1, allow_nan=False),
    rule_mixes=st.lists(mixes, min_size=1, max_size=4),
    rule_labels=st.lists(st.sampled_from(LABELS), min_size=1, max_size=4),
    default=mixes,
    max_total=st.floats(0.1, 5, allow_nan=False),
    hi=st.floats(0.2, 3, allow_nan=False),
)
def test_guard_rails_are_never_violated(
    probs: list[float],
    valence: float,
    rule_mixes: list[dict[str, float]],
    rule_labels: list[str],
    default: dict[str, float],
    max_total: float,
    hi: float,
) -> None:
    r = reading(probs, valence=valence)
    policy = Policy(
        name="random",
        rules=tuple(
            Rule(name=f"r{i}", when={"labels": (label,), "min_mass": 0.1}, mix=mix)
            for i, (label, mix) in enumerate(zip(rule_labels, rule_mixes, strict=False))
        ),
        default_mix=default,
        max_total=max_total,
    )
    distressed = policy.is_distressed(r)
    _, raw, _ = policy.select(r, distressed=distressed)
    mix = apply_guard_rails(raw, distressed=distressed, max_total=max_total, intensity_range=(-hi, hi)).mix
    if distressed:
        assert all(mix.get(e, 0.0) <= 0.0 for e in NEGATIVE_LABELS), mix
    assert all(-hi - 1e-6 <= v <= hi + 1e-6 for v in mix.values())
    assert sum(abs(v) for v in mix.values()) <= min(max_total, hi) + 1e-3


# -- per-turn (`current:`) and mood-shift (`shift:`) conditions ----------------------------------


def test_current_condition_reads_this_turn_not_the_smoothed_state(tmp_path: Path) -> None:
    path = tmp_path / "now.yaml"
    path.write_text(
        "name: now\nrules:\n"
        "  - name: joyful now\n    when: {current: {labels: [joy], min_mass: 0.5}}\n    mix: {joy: 0.4}\n"
        "default_mix: {calm: 0.3}\n"
    )
    policy = load_policy(path)
    smoothed_sad = peaked("sadness")
    assert policy.select(smoothed_sad, distressed=True, current=peaked("joy", 0.6))[0] == "joyful now"
    assert policy.select(smoothed_sad, distressed=True, current=peaked("joy", 0.4))[0] == "default"
    assert policy.select(peaked("joy"), distressed=False)[0] == "joyful now"  # no current: the reading


def test_shift_condition_needs_a_matching_shift() -> None:
    policy = Policy(
        name="s",
        rules=(Rule(name="relief", when={"shift": {"to": ["joy"], "from": ["fear"]}}, mix={"joy": 0.3}),),
        default_mix={"calm": 0.2},
    )
    r = peaked("fear")
    relief = Shift(from_="fear", to="joy", strength=0.5)
    assert policy.select(r, distressed=True, shift=relief)[0] == "relief"
    assert policy.select(r, distressed=True)[0] == "default"
    other = Shift(from_="neutral", to="joy", strength=0.5)
    assert policy.select(r, distressed=True, shift=other)[0] == "default"
    assert policy.rules[0].when.answers() == {"joy"}


@pytest.mark.parametrize(
    "when",
    [
        {"current": {"labels": ["glee"]}},
        {"current": {"distressed": True}},  # only reading bounds apply to this turn
        {"shift": {"to": ["glee"]}},
        {"shift": {"min_strength": 2}},
    ],
)
def test_bad_per_turn_conditions_are_clear_errors(when: dict) -> None:
    with pytest.raises(PolicyError):
        load_policy({"name": "x", "rules": [{"name": "r", "when": when, "mix": {"calm": 0.1}}]})


# (policy, new mood, from, emotions that must be positive, that must be negative, that must be absent)
SHIFT_TABLE = [
    (name, to, source, positive, negative, absent)
    for name in ("health", "support", "tutor")
    for to, source, positive, negative, absent in [
        ("joy", "fear", {"joy", "calm"}, set(), set()),
        ("anger", "neutral", {"calm", "patient"}, {"anger"}, set()),
        ("sadness", "joy", {"calm"}, {"sadness"}, {"joy"}),
        ("fear", "neutral", {"calm"}, {"fear"}, set()),
    ]
]


@pytest.mark.parametrize(("name", "to", "source", "positive", "negative", "absent"), SHIFT_TABLE)
def test_shipped_policies_answer_mood_shifts(
    name: str, to: str, source: str, positive: set[str], negative: set[str], absent: set[str]
) -> None:
    policy = load_policy(name)
    smoothed, current = peaked(source, 0.5), peaked(to, 0.6)
    distressed = policy.is_distressed(current, smoothed)
    shift = Shift(from_=source, to=to, strength=0.5)
    rule, mix, _ = policy.select(smoothed, distressed=distressed, current=current, shift=shift)
    assert to in policy.rules[[r.name for r in policy.rules].index(rule)].when.answers()
    guarded = apply_guard_rails(mix, distressed=distressed, max_total=policy.max_total).mix
    assert all(guarded.get(e, 0) > 0 for e in positive), (rule, guarded)
    assert all(guarded.get(e, 0) < 0 for e in negative), (rule, guarded)
    assert not absent & set(guarded), (rule, guarded)
    assert all(guarded.get(e, 0) <= 0 for e in NEGATIVE_LABELS)
    # Without the shift the same smoothed reading keeps its usual rule.
    assert policy.select(smoothed, distressed=distressed, current=current)[0] != rule
