"""Cross-validated thresholds for the risk head (lab code, used by `train_risk`).

A threshold chosen on the same texts the head was trained on is optimistic; one chosen on a small
tune split written by the corpus's own author was too (tune false alarms 4 %, the next blind set
7 %). So the rows that may tune are split into seeded folds, stratified by category or kind; a head is
trained without each fold and scores it, and the threshold is chosen on these out-of-fold scores,
recall first within the false-alarm budget. The shipped head is then trained on every row.
`score_rows` is the one reading of labelled messages (raw head score, pattern hit) every recipe of
`train_risk` chooses its thresholds on.
"""

from __future__ import annotations

import random
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from emotive_agents.router.risk import NO_RISK, RISK_CATEGORIES
from emotive_agents.router.risk_semantic import RiskHead, SemanticRiskScorer, write_head

CLASSES: tuple[str, ...] = (NO_RISK, *RISK_CATEGORIES)


class Scored(BaseModel):
    """One labelled message's out-of-fold reading: the head's raw score and whether a pattern fired."""

    model_config = ConfigDict(frozen=True)

    label: str  # the positive's category or the negative's kind
    positive: bool
    raw: float
    pattern: bool


def stratified_folds(rows: Sequence[dict[str, Any]], key: str, k: int, seed: int = 0) -> list[int]:
    """A fold number in [0, k) per row: each stratum (`row[key]`) shuffled (seeded) and dealt round-robin."""
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, not {k}")
    strata: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        strata[str(row[key])].append(i)
    out = [0] * len(rows)
    rng = random.Random(seed)
    offset = 0
    for name in sorted(strata):
        members = strata[name]
        rng.shuffle(members)
        for j, i in enumerate(members):
            out[i] = (offset + j) % k
        offset += len(members)  # so small strata do not all start in fold 0
    return out


def flagged(row: Scored, threshold: float) -> bool:
    return row.pattern or row.raw >= threshold


def rates(rows: Sequence[Scored], threshold: float) -> tuple[float, float]:
    """(recall on the positives, false-alarm rate on the negatives) at `threshold`."""
    pos = [flagged(r, threshold) for r in rows if r.positive]
    neg = [flagged(r, threshold) for r in rows if not r.positive]
    return sum(pos) / max(1, len(pos)), sum(neg) / max(1, len(neg))


def choose_threshold(rows: Sequence[Scored], budget: float, fallback: float = 0.5) -> float:
    """The threshold with the highest recall whose false-alarm rate is within `budget` (ties: fewer
    false alarms, then the lower threshold, the one with more recall on unseen wordings)."""
    candidates = sorted({round(r.raw, 4) for r in rows} | {fallback})
    within = [t for t in candidates if rates(rows, t)[1] <= budget]
    if not within:
        return fallback
    return min(within, key=lambda t: (-rates(rows, t)[0], rates(rows, t)[1], t))


def breakdown(rows: Sequence[Scored], threshold: float) -> dict[str, Any]:
    """Recall per category and false alarms per kind at `threshold` (for the card and the docs)."""
    groups: dict[tuple[bool, str], list[bool]] = defaultdict(list)
    for r in rows:
        groups[(r.positive, r.label)].append(flagged(r, threshold))
    recall, alarms = rates(rows, threshold)
    return {
        "recall": round(recall, 4),
        "false_alarms": round(alarms, 4),
        "positives": len([r for r in rows if r.positive]),
        "negatives": len([r for r in rows if not r.positive]),
        "recall_by_category": {c: f"{sum(v)}/{len(v)}" for (p, c), v in sorted(groups.items()) if p},
        "false_alarms_by_kind": {k: f"{sum(v)}/{len(v)}" for (p, k), v in sorted(groups.items()) if not p},
    }


def detector_for(head_dir: Path, embedder: Any) -> Any:
    from emotive_agents.router.crisis import CrisisDetector

    return CrisisDetector(flag_head=False).use_scorer(
        SemanticRiskScorer(embedder=embedder, head=RiskHead(head_dir))
    )


BASE_CARD: dict[str, Any] = {
    "classes": list(CLASSES),
    "threshold": 0.5,
    "context_threshold": 0.5,
    "turn_floor": 0.0,
    "accumulate_decay": 0.0,
    "accumulate_threshold": 99.0,
    "accumulate_floor": 1.0,
}


def score_rows(
    model: dict[str, Any], embedder: Any, positives: list[dict[str, Any]], negatives: list[dict[str, Any]]
) -> list[Scored]:
    """Each message's raw semantic score (threshold 0.5 makes the calibration the identity) and
    whether a pattern fires on it."""
    with tempfile.TemporaryDirectory() as tmp:
        write_head(Path(tmp), model["w"], model["b"], BASE_CARD)
        detector = detector_for(Path(tmp), embedder)
        out = []
        for positive, rows, key in ((True, positives, "category"), (False, negatives, "kind")):
            for r in rows:
                raw = detector.semantic_score(r["text"])[0]
                pattern = any(s >= 0.5 for _, _, s in detector.pattern_hits(r["text"]))
                out.append(Scored(label=r[key], positive=positive, raw=raw, pattern=pattern))
    return out


def cross_validate(trainer: Any, data: dict[str, list[dict[str, Any]]], k: int) -> dict[str, Any]:
    """Out-of-fold scores of every corpus-tune and burned row (the corpus's train rows always train)."""
    pool = {key: [r for r in data[key] if r["split"] != "train"] for key in ("positives", "negatives")}
    folds = {
        "positives": stratified_folds(pool["positives"], "category", k),
        "negatives": stratified_folds(pool["negatives"], "kind", k),
    }
    shipped: list[Scored] = []
    full: list[Scored] = []
    for fold in range(k):
        held = {key: [r for r, f in zip(pool[key], folds[key], strict=True) if f == fold] for key in pool}
        part = {key: [r for r in data[key] if r["split"] == "train"] for key in pool}
        for key in pool:
            part[key] += [
                {**r, "split": "train"} for r, f in zip(pool[key], folds[key], strict=True) if f != fold
            ]
        part["conversations"] = []
        model = trainer.fit(part)
        shipped += score_rows(model, model["shipped"], held["positives"], held["negatives"])
        full += score_rows(model, model["full"], held["positives"], held["negatives"])
        print(f"fold {fold + 1}/{k}: {model['rows']} training rows", flush=True)
    return {"shipped": shipped, "full": full}
