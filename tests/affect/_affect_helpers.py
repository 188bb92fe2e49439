"""Helpers for the affect tests: a fixed set of unmistakable sentences and fake classifiers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from emotive_agents.affect.types import LABELS, AffectReading, reading

# Clear, single-emotion sentences (written for these tests; not in exemplars.json or the check set).
CLEAR: list[tuple[str, str]] = [
    ("I'm absolutely furious that they cancelled my flight without any warning!", "anger"),
    ("This is outrageous, I am so angry at how rude the manager was to me.", "anger"),
    ("Stop ignoring my emails, I'm fed up and really mad about this.", "anger"),
    ("Ugh, there was mould all over the bread, that's disgusting.", "disgust"),
    ("Gross, the toilets at the station were filthy and revolting.", "disgust"),
    ("That smell of rotten fish is so nasty it makes me want to vomit.", "disgust"),
    ("I'm terrified of the job interview tomorrow, I can't stop shaking.", "fear"),
    ("I'm so scared something bad will happen to my mum in hospital.", "fear"),
    ("I'm afraid to walk home alone at night, it really frightens me.", "fear"),
    ("I'm so happy, we won the match and I love this team!", "joy"),
    ("Thank you so much, this is the best birthday present ever!", "joy"),
    ("Great news, I got accepted into university and I'm thrilled!", "joy"),
    ("My cat died this morning and I feel so sad and empty.", "sadness"),
    ("I've been crying all day since my best friend moved away.", "sadness"),
    ("I feel lonely and miserable now that the holidays are over.", "sadness"),
    ("Wow, I didn't expect that at all, what a shock!", "surprise"),
    ("No way, you got there already? That's so unexpected!", "surprise"),
    ("The report is saved in the shared folder.", "neutral"),
    ("The store opens at nine on weekdays.", "neutral"),
    ("Enter your email address and click submit.", "neutral"),
]
POSITIVE = [t for t, label in CLEAR if label == "joy"]
NEGATIVE = [t for t, label in CLEAR if label in ("anger", "disgust", "fear", "sadness")]


def accuracy(predicted: Sequence[AffectReading], gold: Sequence[str]) -> float:
    return sum(r.label == g for r, g in zip(predicted, gold, strict=True)) / len(gold)


class FixedClassifier:
    """Returns the same distribution for every text and counts its calls."""

    def __init__(self, name: str, probabilities: dict[str, float], valence: float | None = None) -> None:
        self.name = name
        self._reading = reading(probabilities, valence=valence)
        self.calls = 0

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        self.calls += 1
        return [self._reading for _ in texts]


def one_hot(label: str) -> dict[str, float]:
    return {other: float(other == label) for other in LABELS}


# labels.txt order of the real data set (not LABELS order): ids must be mapped through it.
EKMAN_FILE_ORDER = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]


def write_dataset(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "labels.txt").write_text("\n".join(EKMAN_FILE_ORDER) + "\n")
    rows = [f"{text}\t{EKMAN_FILE_ORDER.index(label)}\tid{i}" for i, (text, label) in enumerate(CLEAR)]
    rows.append("I'm happy but also a bit scared.\t2,3\tmixed")
    for split in ("train", "dev", "test"):
        (root / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    return root
