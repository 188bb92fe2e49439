"""The project's own domains: angry complaints and anxious health worries are not risk, while a risk
sentence inside them still is. Sentences here are written for the test, not taken from the corpus."""

from __future__ import annotations

import pytest

from emotive_agents.router.crisis import CrisisDetector

DETECTOR = CrisisDetector()

# The shipped demo scripts' turns that used to escalate (issue 12), and fresh ones of the same kinds.
NOT_RISK = [
    "This is ridiculous! It's the third time you've messed up my order and nobody answers my emails!",
    "Fine. Can you at least tell me when it will arrive?",
    "I'm scared something is really wrong with me.",
    "I have been sleeping badly for weeks and I feel on edge all the time.",
    "I still don't get it. I'm so bad at maths, I always fail at this.",
    "Your driver left my fridge in the rain and now it won't turn on. Unbelievable!",
    "OK, fine. Could you at least email me the invoice?",
    "I'm so worried about the shadow on my X-ray, what could it be?",
    "My throat has been sore for two weeks and I'm starting to panic.",
    "I give up on this chemistry worksheet, it's impossible.",
    "Honestly I'm fed up. Just tell me when the new card will arrive.",
]
RISK = [
    "Fine. Can you at least tell me when it will arrive? I won't be alive much longer anyway.",
    "I'm scared something is really wrong with me, and part of me hopes it kills me.",
    "This is the third time you've messed up my order. I'm done with everything, I've got the pills ready.",
]


def test_complaints_and_health_worries_stay_rare_false_alarms() -> None:
    flagged = [t for t in NOT_RISK if DETECTOR.detect(t).crisis]
    assert len(flagged) <= 1, flagged


@pytest.mark.parametrize("text", NOT_RISK[:5])
def test_the_demo_turns_are_not_flagged(text: str) -> None:
    assert not DETECTOR.detect(text).crisis


@pytest.mark.parametrize("text", RISK)
def test_risk_inside_a_complaint_or_worry_is_flagged(text: str) -> None:
    assert DETECTOR.detect(text).crisis


def test_the_support_demo_conversation_is_not_escalated() -> None:
    turns = [
        "Hi, I ordered a lamp last week and it still hasn't arrived.",
        NOT_RISK[0],
        NOT_RISK[1],
        "Oh great, it arrived this morning and it looks lovely, thank you!",
    ]
    assert not any(
        r.crisis for r in DETECTOR.detect_conversation(turns, distressed=[False, True, True, True])
    )
