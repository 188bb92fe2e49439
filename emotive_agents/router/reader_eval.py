"""Confusion matrix and macro recall of a router reader on a labelled file of user turns.

    python -m emotive_agents.router.reader_eval TURNS.jsonl [--classifier ensemble] [--json]
    python -m emotive_agents.router.reader_eval --tune-weights TUNE.jsonl [MORE.jsonl ...]

TURNS.jsonl has one {"text", "label"} object per line (label one of the seven reader labels). Macro
recall is the mean per-label recall over anger, disgust, fear, joy, sadness and neutral (the issue's
goal, >= 0.9); surprise rows, if any, are read and shown in the matrix but not averaged.

`--tune-weights` chooses the router ensemble's weights: a 0.1-step grid over the head, exemplar and
nearest-turn members (VADER keeps weight 0: it supplies the valence), scored by the mean macro
recall over the project's tune split and the given files. Only tune data belongs there: never a
held-out set that is still to be reported.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.affect.types import LABELS, AffectClassifier

GOAL_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "neutral")


def load_turns(path: str | Path) -> list[dict[str, str]]:
    """Rows with a non-empty text and a known label; anything else is a clear error."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            raise ValueError(f"{path}:{n}: no text")
        if row.get("label") not in LABELS:
            raise ValueError(f"{path}:{n}: label {row.get('label')!r} is not one of {LABELS}")
        rows.append({"text": row["text"], "label": row["label"]})
    if not rows:
        raise ValueError(f"{path} has no rows")
    return rows


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """gold label -> predicted label -> count, over the gold labels present."""
    out = {g: dict.fromkeys(LABELS, 0) for g in LABELS if g in gold}
    for g, p in zip(gold, predicted, strict=True):
        out[g][p] += 1
    return out


def reader_report(classifier: AffectClassifier, rows: Sequence[dict[str, str]]) -> dict[str, Any]:
    """Confusion matrix, per-label recall and the macro recall over GOAL_LABELS present."""
    gold = [r["label"] for r in rows]
    predicted = [r.label for r in classifier.predict([r["text"] for r in rows])]
    matrix = confusion(gold, predicted)
    recall = {g: counts[g] / sum(counts.values()) for g, counts in matrix.items()}
    goal = [recall[g] for g in GOAL_LABELS if g in recall]
    return {
        "classifier": getattr(classifier, "name", type(classifier).__name__),
        "rows": len(rows),
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(rows),
        "macro_recall": sum(goal) / len(goal) if goal else float("nan"),
        "recall": recall,
        "confusion": matrix,
    }


TUNED_MEMBERS: tuple[str, ...] = ("minilm-head", "exemplars", "user-turns")


def _macro(gold: Sequence[str], probs: torch.Tensor) -> float:
    predicted = [LABELS[i] for i in probs.argmax(-1).tolist()]
    recall = confusion(gold, predicted)
    goal = [recall[g][g] / sum(recall[g].values()) for g in GOAL_LABELS if g in recall]
    return sum(goal) / len(goal)


def _mix(weights: dict[str, float], probs: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.stack([weights[m] * probs[m] for m in TUNED_MEMBERS]).sum(0)


def tune_weights(
    ensemble: Any, sets: dict[str, Sequence[dict[str, str]]], step: float = 0.1
) -> dict[str, Any]:
    """The grid point over TUNED_MEMBERS with the highest mean macro recall over `sets` (ties: the
    earlier point; the members read every text once)."""
    probs: dict[str, dict[str, torch.Tensor]] = {}
    for name, rows in sets.items():
        readings = ensemble.member_readings([r["text"] for r in rows])
        probs[name] = {
            m: torch.tensor([[r.probabilities[label] for label in LABELS] for r in readings[m]])
            for m in TUNED_MEMBERS
        }
    n = round(1 / step)
    scored = []
    for a, b in itertools.product(range(n + 1), repeat=2):
        if a + b > n:
            continue
        w = dict(zip(TUNED_MEMBERS, (a / n, b / n, (n - a - b) / n), strict=True))
        per_set = {
            name: _macro([r["label"] for r in rows], _mix(w, probs[name])) for name, rows in sets.items()
        }
        scored.append((sum(per_set.values()) / len(per_set), w, per_set))
    scored.sort(key=lambda t: -t[0])
    best = scored[0]
    return {
        "weights": {**best[1], "vader": 0.0},
        "objective": round(best[0], 4),
        "per_set": {k: round(v, 4) for k, v in best[2].items()},
        "top": [
            {"objective": round(o, 4), "weights": w, "per_set": {k: round(v, 4) for k, v in p.items()}}
            for o, w, p in scored[:10]
        ],
    }


def format_report(report: dict[str, Any]) -> str:
    """A markdown table (rows: gold, columns: predicted) and the headline numbers."""
    head = "| gold \\ read | " + " | ".join(LABELS) + " | recall |"
    lines = [head, "|" + " --- |" * (len(LABELS) + 2)]
    for g, counts in report["confusion"].items():
        cells = " | ".join(str(counts[p]) for p in LABELS)
        lines.append(f"| {g} | {cells} | {report['recall'][g]:.2f} |")
    lines.append("")
    lines.append(
        f"{report['rows']} turns, accuracy {report['accuracy']:.3f}, "
        f"macro recall ({', '.join(GOAL_LABELS)}) {report['macro_recall']:.3f}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("turns", type=Path, nargs="+", help='JSONL, one {"text", "label"} per line')
    parser.add_argument(
        "--tune-weights", action="store_true", help="choose the ensemble weights on these tune files"
    )
    parser.add_argument("--classifier", default="ensemble", help="a make_classifier name")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    import torch

    from emotive_agents.router.router import make_classifier

    torch.set_num_threads(1)
    if args.tune_weights:
        from emotive_agents.affect.user_turns import load_user_turns

        tune = [{"text": r.text, "label": r.label} for r in load_user_turns(split="tune")]
        sets: dict[str, Sequence[dict[str, str]]] = {"project tune split": tune}
        sets |= {str(p): load_turns(p) for p in args.turns}
        print(json.dumps(tune_weights(make_classifier("ensemble"), sets), indent=1))
        return
    for path in args.turns:
        report = reader_report(make_classifier(args.classifier), load_turns(path))
        print(json.dumps(report, indent=1) if args.json else format_report(report))


if __name__ == "__main__":
    main()
