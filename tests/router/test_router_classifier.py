"""The router's readers on the project-written domain and held-out messages: the head loads, accuracy
floors hold, the default is the reader the measurement chose, and the router's user-message exemplars
stay apart from the judge's reply exemplars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import emotive_agents
from emotive_agents.affect.exemplars import DEFAULT_EXEMPLARS, ExemplarClassifier, load_exemplars
from emotive_agents.affect.metrics import classification_metrics
from emotive_agents.affect.types import LABELS
from emotive_agents.router.message_sets import domain_messages, heldout_messages
from emotive_agents.router.router import (
    DEFAULT_CLASSIFIER,
    ROUTER_EXEMPLARS,
    ROUTER_WEIGHTS,
    make_classifier,
    router_ensemble,
)

REPORT = Path(emotive_agents.__file__).parent / "data" / "router" / "classifier_report.json"
ROWS = domain_messages()
HELDOUT = heldout_messages()


def test_the_fixed_set_covers_every_domain_and_label() -> None:
    assert {r["domain"] for r in ROWS} == {"education", "healthcare", "support"}
    for domain in ("education", "healthcare", "support"):
        assert len({r["label"] for r in ROWS if r["domain"] == domain}) == 7


# Floors under what docs/router.md reports (router head 0.875, ensemble 0.9125), so a broken head or
# embedder (or the GoEmotions-only head: 0.675) fails while ordinary numeric drift does not.
@pytest.mark.parametrize(("name", "floor"), [("minilm", 0.8), ("ensemble", 0.85)])
def test_reader_accuracy_floor_on_domain_messages(name: str, floor: float) -> None:
    reader = make_classifier(name)
    readings = reader.predict([r["text"] for r in ROWS])
    metrics = classification_metrics([r["label"] for r in ROWS], [x.label for x in readings])
    assert metrics["accuracy"] >= floor, metrics


def test_default_reader_is_the_measured_choice() -> None:
    chosen = json.loads(REPORT.read_text())["default"]["chosen"]
    assert {"minilm-head": "minilm"}.get(chosen, chosen) == DEFAULT_CLASSIFIER


def test_the_heldout_set_is_new_text_covering_every_domain_and_label() -> None:
    assert {r["domain"] for r in HELDOUT} == {"education", "healthcare", "support", "daily"}
    for domain in ("education", "healthcare", "support", "daily"):
        assert {r["label"] for r in HELDOUT if r["domain"] == domain} == set(LABELS)
    seen = {r["text"].lower() for r in ROWS} | {
        t.lower() for texts in load_exemplars(ROUTER_EXEMPLARS).values() for t in texts
    }
    assert not [r["text"] for r in HELDOUT if r["text"].lower() in seen]


def test_router_exemplars_are_a_separate_file_with_every_label() -> None:
    router, judge = load_exemplars(ROUTER_EXEMPLARS), load_exemplars(DEFAULT_EXEMPLARS)
    assert ROUTER_EXEMPLARS != DEFAULT_EXEMPLARS
    assert all(len(router[label]) >= 10 for label in LABELS)
    assert not {t for v in router.values() for t in v} & {t for v in judge.values() for t in v}


def test_router_ensemble_reads_with_the_router_exemplars_and_the_judge_keeps_its_own() -> None:
    from emotive_agents.affect.ensemble import default_ensemble

    ours, judge = router_ensemble(), default_ensemble()
    assert ours.weights == {k: v / sum(ROUTER_WEIGHTS.values()) for k, v in ROUTER_WEIGHTS.items()}
    ours_ex = next(m for m in ours.members if isinstance(m, ExemplarClassifier))
    judge_ex = next(m for m in judge.members if isinstance(m, ExemplarClassifier))
    assert ours_ex.embedder is judge_ex.embedder  # one MiniLM per process
    reference = ExemplarClassifier(ROUTER_EXEMPLARS, embedder=ours_ex.embedder)
    assert ours_ex._bank.shape == reference._bank.shape
    assert judge_ex._bank.shape[0] == sum(len(v) for v in load_exemplars(DEFAULT_EXEMPLARS).values())
    assert ours.valence_from == "vader"  # zero probability weight, still supplies the valence


# Measured 0.929 (docs/router.md, classifier_report.json "heldout"; 0.810 before the user-turn head);
# the floor leaves room for numeric drift but fails if the router falls back to the old reader.
def test_router_reader_accuracy_floor_on_heldout_messages() -> None:
    reader = make_classifier(DEFAULT_CLASSIFIER)
    readings = reader.predict([r["text"] for r in HELDOUT])
    metrics = classification_metrics([r["label"] for r in HELDOUT], [x.label for x in readings])
    assert metrics["accuracy"] >= 0.87, metrics


# The reader's reported confusions (issue 12), in new words written for this test before the fix was
# trained: not in the user-turn corpus, the exemplars or any evaluation set. The sarcastic one passes
# since the third round's training rows; one neutral question now fails (a strict xfail, known limits).
TOPIC = "a how-to about cleaning reads as disgust: many 'cleaning' complaints in the bank (docs/router.md)"
CONFUSIONS: list[tuple[str, str] | Any] = [
    ("Please sort out my broken heater today, I've asked three times and I'm losing patience.", "anger"),
    ("I'd really appreciate a refund instead of another excuse, the blender broke on day two.", "anger"),
    ("Great, the update wiped my playlists again. I want them restored now.", "anger"),
    ("I hope they don't cut my hours, I'm scared we won't manage.", "fear"),
    ("With all these layoffs I'm terrified my job is next.", "fear"),
    ("My contract might not be renewed and I'm so anxious I can't eat.", "fear"),
    ("I'm heartbroken, my best friend and I fell out for good.", "sadness"),
    ("Heartbroken after the vet said there was nothing more they could do for my cat.", "sadness"),
    ("The bathroom at the cafe was covered in filth, I felt sick.", "disgust"),
    ("It's revolting how he bullies the new kids and then laughs about it.", "disgust"),
    ("How do I change the font size in my document?", "neutral"),
    pytest.param(
        "What's the best way to clean a keyboard?",
        "neutral",
        marks=pytest.mark.xfail(strict=True, reason=TOPIC),
    ),
    ("How do I calculate the median of a list of numbers?", "neutral"),
]


@pytest.fixture(scope="module")
def router_reader() -> Any:
    return make_classifier(DEFAULT_CLASSIFIER)


@pytest.mark.parametrize(("text", "label"), CONFUSIONS)
def test_router_reader_fixes_the_reported_confusions(router_reader: Any, text: str, label: str) -> None:
    assert router_reader.predict([text])[0].label == label


def test_router_reads_with_its_user_turn_head_and_the_judge_keeps_the_goemotions_head() -> None:
    from emotive_agents.affect.embedding import DEFAULT_HEAD_DIR, EmbeddingClassifier
    from emotive_agents.affect.ensemble import default_ensemble
    from emotive_agents.router.router import ROUTER_HEAD

    ours = next(m for m in router_ensemble().members if isinstance(m, EmbeddingClassifier))
    judge = next(m for m in default_ensemble().members if isinstance(m, EmbeddingClassifier))
    assert ROUTER_HEAD != DEFAULT_HEAD_DIR
    assert "user_turns" in ours.card.data and "user_turns" not in judge.card.data
