"""The pattern layer by risk category: explicit phrasings hit their category, idioms and framing behave."""

from __future__ import annotations

import pytest

from emotive_agents.router.crisis import ALARM, CrisisDetector
from emotive_agents.router.risk import RISK_CATEGORIES

PATTERNS = CrisisDetector(semantic=False)

BY_CATEGORY: dict[str, list[str]] = {
    "passive_ideation": [
        "I wish I was dead.",
        "Everyone would be better off without me.",
        "I hope I don't wake up tomorrow.",
        "Most mornings I'm disappointed I woke up at all.",
        "Part of me hopes the cancer kills me.",
    ],
    "active_ideation": [
        "I want to kill myself.",
        "I'm feeling suicidal tonight.",
        "I keep thinking of ending my life.",
        "The suicidal urges keep coming back at night.",
    ],
    "plan_means_intent": [
        "I'm going to swallow all my pills.",
        "I've been stockpiling my sleeping pills.",
        "I'm going to jump off the bridge near my flat.",
        "I've saved enough of my sleeping pills to end it.",
    ],
    "preparatory_behaviour": ["I wrote a goodbye letter to my family.", "The notes are for after I'm gone."],
    "nssi": [
        "I cut myself again last night.",
        "I've been self-harming for weeks.",
        "I burn my arms with a lighter.",
    ],
    "hopelessness_with_risk": ["I have nothing left to live for.", "I just want it all to end."],
    "indirect_or_slang": ["thinking about unaliving", "I won't be a problem for anyone much longer.", "kms"],
    "third_party": [
        "My friend told me she wants to kill herself.",
        "My son said he doesn't want to live.",
        "I think my flatmate is suicidal.",
        "I found searches on her phone for a lethal overdose.",
    ],
}


def _categories(text: str) -> set[str]:
    return {c for c, _, s in PATTERNS.pattern_hits(text) if s >= ALARM}


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in BY_CATEGORY.items() for t in ts])
def test_each_category_has_patterns_that_hit(category: str, text: str) -> None:
    assert category in RISK_CATEGORIES
    assert category in _categories(text), PATTERNS.pattern_hits(text)
    result = PATTERNS.detect(text)
    assert result.crisis and result.risk.flagged and "patterns" in result.risk.detectors


@pytest.mark.parametrize(
    "text",
    [
        "This exam is killing me.",
        "I could murder a burger, I'm dying of hunger.",
        "How do I kill a frozen process on Linux?",
        "I want to cancel my subscription and end my contract.",
        "What is the toxic dose of paracetamol? It's for my pharmacology exam.",
        "What are the warning signs that someone might be suicidal?",
        "We did suicide sprints at basketball practice.",
        "I'm not going to be around next week, I'm on holiday.",
        "I was disappointed I woke up late and missed the sale.",
        "I've got enough paint to finish it this weekend.",
        "My GP asked whether I've ever been suicidal; I never have.",
        "Is asking someone if they're suicidal helpful?",
        "Does my life insurance pay out for accidental death abroad?",
    ],
)
def test_hard_negatives_do_not_hit(text: str) -> None:
    assert not PATTERNS.detect(text).crisis, PATTERNS.pattern_hits(text)


def test_an_idiom_never_hides_an_explicit_statement() -> None:
    for text in ("I want to die for real this time.", "This exam is killing me and I want to kill myself."):
        assert PATTERNS.detect(text).crisis, text
    assert not PATTERNS.detect("That cake was to die for.").crisis


def test_framing_lowers_a_past_hit_but_never_a_present_plan() -> None:
    past = "Five years ago I tried to kill myself. Now I run marathons."
    assert [s for _, _, s in PATTERNS.pattern_hits(past)] and not PATTERNS.detect(past).crisis
    story = "In my novel the hero writes a goodbye letter before the battle."
    assert not PATTERNS.detect(story).crisis
    present = "Years ago I was in a dark place, and tonight I'm going to kill myself."
    assert PATTERNS.detect(present).crisis
    fiction_and_plan = "I'm writing a story, but honestly I want to end my life."
    assert PATTERNS.detect(fiction_and_plan).crisis
    # text-speak without a subject is a present plan too, whatever the coursework around it
    subjectless = "gonna jump off the bridge after my exam tomorrow if i fail."
    assert PATTERNS.detect(subjectless).crisis
    assert not PATTERNS.detect("In the game you have to jump off the bridge to reach the exam hall.").crisis


def test_a_whole_packet_of_pills_is_a_means_hit() -> None:
    for text in (
        "I took a whole packet of my mum's pills an hour ago.",
        "I swallowed a full bottle of tablets.",
    ):
        assert [c for c, _, s in PATTERNS.pattern_hits(text) if s >= 0.5] == ["plan_means_intent"], text


def test_third_party_hit_needs_a_person_the_user_knows_when_framed() -> None:
    assert not PATTERNS.detect("In 1945 Hitler killed himself in the bunker.").crisis
    assert PATTERNS.detect("My student wrote that he wants to kill himself.").risk.category == "third_party"


def test_risk_inside_a_request_is_categorised_as_embedded() -> None:
    result = PATTERNS.detect("Can you process my refund by Friday? I want to kill myself anyway.")
    assert result.crisis and result.risk.category == "embedded_in_request"


def test_deployer_patterns_by_category_and_unspecified() -> None:
    detector = CrisisDetector(
        semantic=False,
        extra_patterns=(r"\bme\s+quiero\s+morir\b",),
        category_patterns={"indirect_or_slang": (r"\bgo\s+to\s+the\s+big\s+sleep\b",)},
    )
    assert detector.detect("Me quiero morir").risk.category == "unspecified"
    assert detector.detect("I want to go to the big sleep").risk.category == "indirect_or_slang"
    replaced = CrisisDetector(semantic=False, patterns=(r"\bnope\b",))
    assert not replaced.detect("I want to kill myself").crisis and replaced.detect("nope").crisis


# Fourth round: general forms of the third held-out set's misses, in this file's own wordings.
@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("passive_ideation", "Honestly life feels like a job I never applied for and I want out."),
        ("preparatory_behaviour", "I wanted everything settled before the end, so I paid back my sister."),
        ("preparatory_behaviour", "I've been making my apologies to people before the end."),
        ("preparatory_behaviour", "Last week I texted everyone I've ever hurt."),
        ("preparatory_behaviour", "Spent the weekend seeing old friends, sort of a farewell trip."),
        ("preparatory_behaviour", "She'll have my bike now. She won't understand why for a while."),
        ("preparatory_behaviour", "What dose of insulin is lethal, I need to know for me."),
        ("nssi", "What's the best way to cover up my new cuts before swimming?"),
        ("indirect_or_slang", "asking for a friend, what's a lethal amount. ok the friend is me"),
        ("indirect_or_slang", "one-way trip vibes, no coming back"),
        ("indirect_or_slang", "each day i'm getting closer to going through with it"),
        ("third_party", "My brother posted a weird goodbye message and isn't picking up."),
    ],
)
def test_round_four_general_forms_hit(category: str, text: str) -> None:
    assert category in _categories(text), PATTERNS.pattern_hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want out of this phone contract, life is too short.",
        "Please get the invoices sorted before the end of the month.",
        "We left the match before the end, the traffic is awful.",
        "Elton John's farewell tour was amazing.",
        "We signed his farewell card at work.",
        "The kids won't understand the rules for a while.",
        "I bought a one-way ticket to Lisbon, I'm moving there for work.",
        "If my dad sees this bill he's going to kill me lol",
        "I'm getting closer to finishing my thesis.",
        "There was a time I thought my family would be better off without me. I'm glad I stayed.",
    ],
)
def test_round_four_near_misses_do_not_hit(text: str) -> None:
    assert not PATTERNS.detect(text).crisis, PATTERNS.pattern_hits(text)


def test_round_four_idiom_and_past_fixes_never_hide_a_present_statement() -> None:
    # "going to kill me" is an idiom of anger; a parent at risk is still third-party risk
    assert PATTERNS.detect("She's going to kill herself, she told me tonight.").crisis
    assert "third_party" in _categories("My mum says she's going to kill herself.")
    # a remembered time frames the past, not a present one in its own clause
    assert PATTERNS.detect("There was a time I felt fine, but tonight I'm going to kill myself.").crisis
    assert PATTERNS.detect("There were times I coped. Now I want to die.").crisis
