"""Re-choose a trained risk head's thresholds with the current pattern layer, without retraining.

    python -m emotive_agents.router.risk_retune HEAD_DIR --tune-set DIR [--tune-set DIR] \
        [--conversations DIR ...]

Lab code (the runtime never imports it). The threshold rule is `train_risk`'s (recall first: the
highest tune recall whose false-alarm rate is within the 5 % budget, a pattern hit counting as
flagged), and so is the conversation grid; only the pattern layer may have changed since the head was
trained (a pattern that now covers a tune positive frees the threshold). The card keeps its training
record and gains `retuned` (the sets and the choice).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.router.risk_eval import load_risk_set
from emotive_agents.router.risk_folds import BASE_CARD, breakdown, choose_threshold, rates, score_rows
from emotive_agents.router.risk_semantic import CARD_FILE, RiskHead, SemanticRiskScorer
from emotive_agents.router.train_risk import (
    CORPUS_DIR,
    FALSE_ALARM_BUDGET,
    CachedEmbedder,
    choose_conversation_params,
)


def retune(head_dir: Path, tune_sets: Sequence[Path], conversation_sets: Sequence[Path]) -> dict[str, Any]:
    """Rewrite `head_dir`'s card with thresholds chosen on `tune_sets` and conversation parameters on
    the conversations of `conversation_sets` and `tune_sets`; returns the new card."""
    head = RiskHead(head_dir)
    model = {
        "w": head.weight,
        "b": head.bias,
        "shipped": CachedEmbedder(SemanticRiskScorer(head=head).embedder),
    }
    tune: dict[str, list[dict[str, Any]]] = {"positives": [], "negatives": [], "conversations": []}
    for directory in tune_sets:
        for key, rows in load_risk_set(directory).items():
            tune[key] += rows
    conversations = list(tune["conversations"])
    for directory in conversation_sets:
        conversations += load_risk_set(directory)["conversations"]
    scored = score_rows(model, model["shipped"], tune["positives"], tune["negatives"])
    threshold = choose_threshold(scored, FALSE_ALARM_BUDGET)
    needed = [r.raw for r in scored if r.positive and not r.pattern]
    every = math.floor(min(needed) * 1e4) / 1e4 if needed else 0.5
    grid = []
    for t in sorted({0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, threshold, every}):
        recall, alarms = rates(scored, t)
        grid.append({"threshold": t, "tune_recall": round(recall, 4), "tune_false_alarms": round(alarms, 4)})
    card = json.loads((head_dir / CARD_FILE).read_text(encoding="utf-8"))
    base = {**BASE_CARD, "threshold": threshold, "context_threshold": threshold}
    params, choice = choose_conversation_params(model, base, conversations, threshold)
    at = breakdown(scored, threshold)
    card.update({"threshold": threshold, "context_threshold": threshold, **params})
    card.update(
        {
            "tune_recall": at["recall"],
            "tune_false_alarms": at["false_alarms"],
            "tune_breakdown": at,
            "tune_grid": grid,
            "conversation_choice": choice,
            "tune_conversations": len(conversations),
            "retuned": {
                "why": "thresholds re-chosen with the current pattern layer (no retraining)",
                "tune_sets": [str(d) for d in tune_sets],
                "conversation_sets": [str(d) for d in conversation_sets],
            },
        }
    )
    (head_dir / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("head_dir", type=Path)
    parser.add_argument("--tune-set", type=Path, action="append", required=True)
    parser.add_argument(
        "--conversations",
        type=Path,
        action="append",
        default=[],
        help="more risk sets whose conversations choose the conversation parameters",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    sets = [CORPUS_DIR, *args.conversations]
    card = retune(args.head_dir, args.tune_set, sets)
    print(json.dumps({k: card[k] for k in ("threshold", "tune_breakdown", "conversation_choice")}, indent=1))


if __name__ == "__main__":
    main()
