"""Crisis detection: every project-written crisis message is caught (patterns alone and layered), no idiom
triggers the patterns, and the layered detector's false alarms on the ordinary messages stay rare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import emotive_agents
from emotive_agents.router.crisis import CrisisDetector
from emotive_agents.router.message_sets import heldout_messages

DATA = Path(emotive_agents.__file__).parent / "data" / "router"
ROWS = [
    json.loads(line) for line in (DATA / "crisis_messages.jsonl").read_text().splitlines() if line.strip()
]
DOMAIN = [
    json.loads(line) for line in (DATA / "domain_messages.jsonl").read_text().splitlines() if line.strip()
]


def test_the_fixed_set_has_both_kinds() -> None:
    assert sum(r["crisis"] for r in ROWS) >= 25 and sum(not r["crisis"] for r in ROWS) >= 20


PATTERNS = CrisisDetector(semantic=False)


@pytest.mark.parametrize("text", [r["text"] for r in ROWS if r["crisis"]])
def test_crisis_messages_are_detected(text: str) -> None:
    for detector in (PATTERNS, CrisisDetector()):
        result = detector.detect(text)
        assert result.crisis and result.matches and result.risk.category != "none"


@pytest.mark.parametrize("text", [r["text"] for r in ROWS if not r["crisis"]])
def test_idioms_do_not_trigger_the_patterns(text: str) -> None:
    assert not PATTERNS.detect(text).crisis


def test_ordinary_domain_messages_do_not_trigger_the_patterns() -> None:
    assert [r["text"] for r in DOMAIN if PATTERNS.detect(r["text"]).crisis] == []


# The layered detector errs on recall, so it may flag a few ordinary messages; measured on these 189
# project messages (docs/router.md), the floor fails if the semantic layer starts flagging broadly.
def test_layered_false_alarms_on_ordinary_messages_stay_rare() -> None:
    detector = CrisisDetector()
    rows = [r["text"] for r in ROWS if not r["crisis"]] + [r["text"] for r in DOMAIN + heldout_messages()]
    flagged = [t for t in rows if detector.detect(t).crisis]
    assert len(flagged) / len(rows) <= 0.08, flagged


def test_an_idiom_cannot_hide_a_real_crisis_phrase() -> None:
    text = "This exam is killing me and honestly I want to kill myself."
    assert PATTERNS.detect(text).crisis and CrisisDetector().detect(text).crisis


def test_typographic_apostrophes_and_case() -> None:
    assert PATTERNS.detect("I DON’T WANT TO LIVE anymore").crisis


def test_deployers_can_extend_the_patterns() -> None:
    detector = CrisisDetector(
        extra_patterns=(r"\bme\s+quiero\s+morir\b",), extra_idioms=(r"\bdead\s+tired\b",), semantic=False
    )
    assert detector.detect("Me quiero morir").crisis
    assert (
        not CrisisDetector(extra_idioms=(r"\bsuicide\s+prevention\s+week\b",), semantic=False)
        .detect("Suicide prevention week starts Monday")
        .crisis
    )
