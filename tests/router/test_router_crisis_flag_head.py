"""The two heads of `CrisisDetector`: the flag head flags single turns, the conversation head feeds
the conversation layers (distress lift, accumulation) and never flags a turn on its own."""

from __future__ import annotations

from collections.abc import Sequence

from emotive_agents.router.crisis import ALARM, CrisisDetector
from emotive_agents.router.risk_semantic import RiskHeadCard, UnitScore

CARD = RiskHeadCard(
    classes=("none", "preparatory_behaviour"),
    threshold=0.5,
    context_threshold=0.5,
    turn_floor=0.3,
    accumulate_decay=0.5,
    accumulate_threshold=0.9,
    accumulate_floor=0.3,
)


class WordScorer:
    """Scores a text `high` when it contains `word`, else 0.01 (a stand-in for a trained head)."""

    def __init__(self, word: str, high: float) -> None:
        self.word, self.high, self.card = word, high, CARD

    def score(self, texts: Sequence[str]) -> list[UnitScore]:
        return [
            UnitScore(score=self.high if self.word in t.lower() else 0.01, category="preparatory_behaviour")
            for t in texts
        ]


def detector(conversation: WordScorer, flag: WordScorer) -> CrisisDetector:
    return CrisisDetector().use_scorer(conversation).use_flag_scorer(flag)  # type: ignore[arg-type]


def test_a_moderate_conversation_head_reading_does_not_flag_a_single_turn() -> None:
    d = detector(WordScorer("parcel", 0.45), WordScorer("parcel", 0.05))
    result = d.detect("Where is my parcel? It was due on Monday.")
    assert not result.crisis
    assert abs(result.risk.score - 0.45) < 1e-6  # its reading is the turn's reported score


def test_a_high_conversation_head_reading_is_reported_under_the_line_or_accumulates() -> None:
    # Above the alarm line but under the accumulation threshold: reported just under the line.
    d = detector(WordScorer("parcel", 0.8), WordScorer("parcel", 0.05))
    result = d.detect("Where is my parcel?")
    assert not result.crisis and ALARM - 1e-3 < result.risk.score < ALARM
    # At or over the accumulation threshold on the calibrated scale, one turn reaches it alone.
    d = detector(WordScorer("parcel", 0.95), WordScorer("parcel", 0.05))
    result = d.detect("Where is my parcel?")
    assert result.crisis and result.risk.detectors == ("accumulation",)


def test_the_flag_head_flags_a_single_turn() -> None:
    d = detector(WordScorer("rope", 0.05), WordScorer("rope", 0.9))
    result = d.detect("I bought a rope and picked the tree.")
    assert result.crisis and "semantic" in result.risk.detectors


def test_the_conversation_head_still_lifts_a_distressed_or_accumulated_turn() -> None:
    d = detector(WordScorer("letters", 0.45), WordScorer("letters", 0.05))
    text = "I've written the letters."
    assert not d.detect(text).crisis
    lifted = d.detect(text, distressed=True)
    assert lifted.crisis and "distress" in lifted.risk.detectors
    added = d.detect(text, level=CARD.accumulate_threshold / CARD.accumulate_decay)
    assert added.crisis and "accumulation" in added.risk.detectors


def test_without_the_flag_head_the_conversation_head_flags_as_before() -> None:
    conversation = WordScorer("letters", 0.9)
    d = CrisisDetector(flag_head=False).use_scorer(conversation)  # type: ignore[arg-type]
    assert d.flag_scorer is d.scorer
    result = d.detect("I've written the letters.")
    assert result.crisis and "semantic" in result.risk.detectors
