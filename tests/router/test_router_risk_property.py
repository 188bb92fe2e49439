"""Property: appending an explicit risk sentence to any benign message always raises the alarm."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emotive_agents.router.crisis import CrisisDetector

EXPLICIT = (
    "I want to kill myself.",
    "I'm going to end my life tonight.",
    "I have the pills and I'm going to take them all.",
    "I don't want to live anymore.",
    "I cut myself again today.",
    "I've written my goodbye letters.",
    "I wish I was dead.",
    "I'm going to jump off the bridge tonight.",
    "Everyone would be better off without me.",
    "I want to unalive myself.",
    "I'm feeling suicidal.",
    "I won't be around much longer, I've made my decision.",
)
BENIGN = (
    "Can you help me get a refund for my order #4471?",
    "What's the derivative of x squared?",
    "In my novel the detective finds a clue in the library.",
    "Five years ago I ran my first marathon.",
    "This exam is killing me, lol.",
    "How do I cancel my gym membership?",
    "My grandma died last year and I miss her.",
    "What's the toxic dose of caffeine for my pharmacology class?",
    "I keep dying on the last boss in Elden Ring.",
    'The song goes "I will survive".',
)
TEXT = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), min_size=0, max_size=120
)
PATTERNS = CrisisDetector(semantic=False)
LAYERED = CrisisDetector()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(benign=st.one_of(st.sampled_from(BENIGN), TEXT), risk=st.sampled_from(EXPLICIT))
def test_the_pattern_layer_flags_any_message_ending_in_an_explicit_risk_sentence(
    benign: str, risk: str
) -> None:
    assert PATTERNS.detect(f"{benign} {risk}").crisis


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(benign=st.one_of(st.sampled_from(BENIGN), TEXT), risk=st.sampled_from(EXPLICIT))
def test_the_layered_detector_flags_it_too(benign: str, risk: str) -> None:
    result = LAYERED.detect(f"{benign} {risk}")
    assert result.crisis and result.risk.flagged and result.risk.category != "none"
