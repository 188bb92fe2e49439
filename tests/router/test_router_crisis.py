"""Crisis detection: every project-written crisis message is caught, no idiom triggers it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import emotive_agents
from emotive_agents.router.crisis import CrisisDetector

DATA = Path(emotive_agents.__file__).parent / "data" / "router"
ROWS = [
    json.loads(line) for line in (DATA / "crisis_messages.jsonl").read_text().splitlines() if line.strip()
]
DOMAIN = [
    json.loads(line) for line in (DATA / "domain_messages.jsonl").read_text().splitlines() if line.strip()
]


def test_the_fixed_set_has_both_kinds() -> None:
    assert sum(r["crisis"] for r in ROWS) >= 25 and sum(not r["crisis"] for r in ROWS) >= 20


@pytest.mark.parametrize("text", [r["text"] for r in ROWS if r["crisis"]])
def test_crisis_messages_are_detected(text: str) -> None:
    result = CrisisDetector().detect(text)
    assert result.crisis and result.matches


@pytest.mark.parametrize("text", [r["text"] for r in ROWS if not r["crisis"]])
def test_idioms_do_not_trigger(text: str) -> None:
    assert not CrisisDetector().detect(text).crisis


def test_ordinary_domain_messages_do_not_trigger() -> None:
    detector = CrisisDetector()
    assert [r["text"] for r in DOMAIN if detector.detect(r["text"]).crisis] == []


def test_an_idiom_cannot_hide_a_real_crisis_phrase() -> None:
    text = "This exam is killing me and honestly I want to kill myself."
    assert CrisisDetector().detect(text).crisis


def test_typographic_apostrophes_and_case() -> None:
    assert CrisisDetector().detect("I DON’T WANT TO LIVE anymore").crisis


def test_deployers_can_extend_the_patterns() -> None:
    detector = CrisisDetector(
        extra_patterns=(r"\bme\s+quiero\s+morir\b",), extra_idioms=(r"\bdead\s+tired\b",)
    )
    assert detector.detect("Me quiero morir").crisis
    assert (
        not CrisisDetector(extra_idioms=(r"\bsuicide\s+prevention\s+week\b",))
        .detect("Suicide prevention week starts Monday")
        .crisis
    )
