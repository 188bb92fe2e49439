"""Cross-validated thresholds for the risk head (lab code, used by `train_risk`).

A threshold chosen on the same texts the head was trained on is optimistic; one chosen on a small
tune split written by the corpus's own author was too (tune false alarms 4 %, the next blind set
7 %). So the rows that may tune are split into seeded folds, stratified by category or kind; a head is
trained without each fold and scores it, and the threshold is chosen on these out-of-fold scores,
recall first within the false-alarm budget. The shipped head is then trained on every row.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict


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
