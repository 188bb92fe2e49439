"""Top-1 accuracy, per-label F1 and macro-F1 without scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence

from emotive_agents.affect.types import LABELS


def classification_metrics(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS
) -> dict[str, float]:
    """accuracy, macro_f1 (over labels present in gold or predictions) and f1_<label>."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels for {len(predicted)} predictions")
    if not gold:
        return {"accuracy": float("nan"), "macro_f1": float("nan"), "n": 0.0}
    out: dict[str, float] = {
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        "n": float(len(gold)),
    }
    f1s = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        n_gold, n_pred = sum(g == label for g in gold), sum(p == label for p in predicted)
        if n_gold == 0 and n_pred == 0:
            continue
        f1 = 2 * tp / (n_gold + n_pred)
        out[f"f1_{label}"] = f1
        f1s.append(f1)
    out["macro_f1"] = sum(f1s) / len(f1s)
    return out
