"""The offline emotion judge for steered generations, and its validation on a labelled check set.

The judge must not share anything with what it judges (no steering vectors, no generating model), and
its accuracy must be known before its scores mean anything: `validate_judge` measures it on
`data/affect/judge_checkset.json`, texts written in the register of an assistant's reply.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from emotive_agents.affect.types import LABELS, VALENCE_SIGN, AffectClassifier, AffectReading
from emotive_agents.evaluation.harness import EmotionScorer

DEFAULT_CHECKSET = Path(__file__).resolve().parent.parent / "data" / "affect" / "judge_checkset.json"


class CheckItem(BaseModel):
    """One labelled text; 'tune' items may be used to choose judge settings, 'holdout' ones may not."""

    model_config = ConfigDict(frozen=True)

    text: str
    label: str
    split: Literal["tune", "holdout"] = "holdout"


class CheckSet(BaseModel):
    description: str = ""
    items: list[CheckItem]

    def subset(self, split: Literal["tune", "holdout"]) -> CheckSet:
        return CheckSet(
            description=f"{self.description} ({split})", items=[i for i in self.items if i.split == split]
        )


def load_checkset(path: str | Path = DEFAULT_CHECKSET) -> CheckSet:
    """The shipped (or a user's) check set; every label must be one of LABELS."""
    checkset = CheckSet.model_validate(json.loads(Path(path).read_text()))
    unknown = {i.label for i in checkset.items} - set(LABELS)
    if unknown:
        raise ValueError(f"{path} has labels outside {LABELS}: {sorted(unknown)}")
    return checkset


class EmotionJudge:
    """Scores texts with an affect classifier (default: the ensemble); an `EmotionScorer` for the harness."""

    def __init__(self, classifier: AffectClassifier | None = None, *, device: str = "cpu") -> None:
        if classifier is None:
            from emotive_agents.affect.ensemble import default_ensemble

            classifier = default_ensemble(device)
        self.classifier = classifier

    @property
    def name(self) -> str:
        return self.classifier.name

    def score(self, texts: Sequence[str]) -> list[AffectReading]:
        return self.classifier.predict(list(texts))

    def describe(self) -> dict[str, Any]:
        """What to record in a report next to the judge's scores."""
        describe = getattr(self.classifier, "describe", None)
        return {"classifier": self.name, **(describe() if callable(describe) else {})}


def _top(probabilities: dict[str, float]) -> str:
    return max(probabilities, key=probabilities.__getitem__)


def validate_judge(judge: EmotionScorer, checkset: CheckSet | Sequence[CheckItem]) -> dict[str, Any]:
    """Top-1 accuracy overall and per gold label, the confusion matrix, its largest off-diagonal cells,
    and how often the valence has the right sign (joy > 0; anger, disgust, fear, sadness < 0)."""
    items = checkset.items if isinstance(checkset, CheckSet) else list(checkset)
    if not items:
        raise ValueError("the check set is empty")
    readings = list(judge.score([i.text for i in items]))
    if len(readings) != len(items):
        raise ValueError(f"the judge returned {len(readings)} readings for {len(items)} texts")
    predicted = [_top(dict(r.probabilities)) for r in readings]
    # Valence sign: joy should read positive, the four negative emotions negative.
    signed = [
        (VALENCE_SIGN[i.label], r.valence)
        for i, r in zip(items, readings, strict=True)
        if i.label in VALENCE_SIGN
    ]
    gold = [i.label for i in items]
    pairs = Counter(zip(gold, predicted, strict=True))
    per_label: dict[str, dict[str, float]] = {}
    for label in dict.fromkeys(gold):
        n = sum(g == label for g in gold)
        per_label[label] = {"n": n, "accuracy": pairs[(label, label)] / n}
    confusion = {g: {p: pairs[(g, p)] for p in LABELS if pairs[(g, p)]} for g in per_label}
    errors = sorted(((c, g, p) for (g, p), c in pairs.items() if g != p), key=lambda t: (-t[0], t[1], t[2]))
    return {
        "n": len(items),
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(items),
        "per_label": per_label,
        "confusion": confusion,
        "top_confusions": [{"gold": g, "predicted": p, "count": c} for c, g, p in errors[:5]],
        "valence_sign_accuracy": sum(s * v > 0 for s, v in signed) / len(signed) if signed else None,
    }
