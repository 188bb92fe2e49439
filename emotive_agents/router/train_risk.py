"""Train the risk detector's semantic head on the project-written risk corpus; choose thresholds on tune.

    python -m emotive_agents.router.train_risk --out emotive_agents/data/router/risk_head

Lab code: the runtime never imports it. The corpus (`data/router/risk/`, CC0, written by hand for this
project) carries its own seeded train/tune split. Training rows: every train positive (its category)
and every train negative with each of its sentences and sentence pairs ("none"), so the head learns
that a sentence lifted from a story or a recovered past is not a crisis. Multinomial logistic
regression, full-batch L-BFGS from zeros (deterministic: re-running reproduces the weights).

Thresholds, on the tune split, recall first within a false-alarm budget: the message threshold is the
one with the highest tune recall (patterns and head together) whose tune false-alarm rate stays within
FALSE_ALARM_BUDGET (the lowest such threshold, i.e. the most recall the budget buys). Flagging every
tune positive would flag most hard negatives too (the card's `tune_grid` shows it). The conversation
parameters are the grid point that flags the corpus's conversations at their turn, then the fewest
early or false flags, then the fewest late ones.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.router.risk import NO_RISK, RISK_CATEGORIES, normalise, units
from emotive_agents.router.risk_semantic import HEAD_DIR, RiskHead, SemanticRiskScorer, write_head

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "router" / "risk"
CLASSES: tuple[str, ...] = (NO_RISK, *RISK_CATEGORIES)
FALSE_ALARM_BUDGET = 0.10  # twice the 5 % goal: recall comes first
L2 = 1e-4


class CachedEmbedder:
    """Embeds each text once (the threshold search re-reads the same texts many times)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.cache: dict[str, torch.Tensor] = {}

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.embedder.embed(missing).clone(), strict=True))
        return torch.stack([self.cache[t] for t in texts]) if texts else torch.zeros(0, 384)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus(directory: Path = CORPUS_DIR) -> dict[str, list[dict[str, Any]]]:
    """positives ({text, category, split}), negatives ({text, kind, split}), conversations."""
    return {
        "positives": load_jsonl(directory / "risk_positive.jsonl"),
        "negatives": load_jsonl(directory / "risk_negative.jsonl"),
        "conversations": load_jsonl(directory / "conversations.jsonl"),
    }


def training_rows(data: dict[str, list[dict[str, Any]]]) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    labels: list[int] = []
    for row in data["positives"]:
        if row["split"] == "train":
            texts.append(normalise(row["text"]))
            labels.append(CLASSES.index(row["category"]))
    for row in data["negatives"]:
        if row["split"] == "train":
            for unit in units(normalise(row["text"])):
                texts.append(unit)
                labels.append(0)
    return texts, labels


def fit(x: torch.Tensor, y: torch.Tensor, *, l2: float = L2) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-weighted (risk vs none balanced) multinomial logistic regression."""
    counts = torch.bincount(y, minlength=len(CLASSES)).float()
    risk_total = counts[1:].sum()
    weights = torch.where(counts > 0, risk_total / (len(CLASSES) - 1) / counts.clamp_min(1), 0.0)
    weights[0] = risk_total / counts[0].clamp_min(1)
    w = torch.zeros(len(CLASSES), x.shape[1], requires_grad=True)
    b = torch.zeros(len(CLASSES), requires_grad=True)
    optimiser = torch.optim.LBFGS([w, b], lr=1.0, max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ w.T + b, y, weight=weights) + l2 * (w**2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return w.detach(), b.detach()


def _detector(head_dir: Path, embedder: Any) -> Any:
    from emotive_agents.router.crisis import CrisisDetector

    return CrisisDetector().use_scorer(SemanticRiskScorer(embedder=embedder, head=RiskHead(head_dir)))


def _conversation_outcome(detector: Any, conversation: dict[str, Any]) -> str:
    results = detector.detect_conversation(conversation["turns"])
    flagged = next((i for i, r in enumerate(results) if r.crisis), None)
    target = conversation["escalate_at"]
    if target is None:
        return "false" if flagged is not None else "ok"
    if flagged is None:
        return "missed"
    return "ok" if flagged == target else ("early" if flagged < target else "late")


def train(out: Path, directory: Path = CORPUS_DIR) -> dict[str, Any]:
    from emotive_agents.models.embeddings import default_embedder

    torch.manual_seed(0)
    data = corpus(directory)
    embedder = CachedEmbedder(default_embedder("cpu"))
    texts, labels = training_rows(data)
    x = embedder.embed(texts).clone()  # out of inference mode, for autograd
    w, b = fit(x, torch.tensor(labels))
    base: dict[str, Any] = {
        "classes": list(CLASSES),
        "threshold": 0.5,
        "context_threshold": 0.5,
        "turn_floor": 0.0,
        "accumulate_decay": 0.0,
        "accumulate_threshold": 99.0,
        "accumulate_floor": 1.0,
    }
    with tempfile.TemporaryDirectory() as tmp:
        write_head(Path(tmp), w, b, base)
        detector = _detector(Path(tmp), embedder)
        tune_pos = [r for r in data["positives"] if r["split"] == "tune"]
        tune_neg = [r for r in data["negatives"] if r["split"] == "tune"]
        # raw semantic scores (threshold 0.5 makes the calibration the identity)
        pos_raw = [detector.semantic_score(r["text"])[0] for r in tune_pos]
        neg_raw = [detector.semantic_score(r["text"])[0] for r in tune_neg]
        by_patterns = [any(s >= 0.5 for _, _, s in detector.pattern_hits(r["text"])) for r in tune_pos]
        neg_patterns = [any(s >= 0.5 for _, _, s in detector.pattern_hits(r["text"])) for r in tune_neg]

    def rates(t: float) -> tuple[float, float]:
        recall = sum(p or s >= t for s, p in zip(pos_raw, by_patterns, strict=True)) / len(tune_pos)
        alarms = sum(p or s >= t for s, p in zip(neg_raw, neg_patterns, strict=True)) / len(tune_neg)
        return recall, alarms

    candidates = sorted({round(s, 4) for s in pos_raw + neg_raw} | {0.5})
    within = [t for t in candidates if rates(t)[1] <= FALSE_ALARM_BUDGET]
    threshold = min(within, key=lambda t: (-rates(t)[0], rates(t)[1], t)) if within else 0.5
    grid = []
    needed = [s for s, p in zip(pos_raw, by_patterns, strict=True) if not p]
    every = math.floor(min(needed) * 1e4) / 1e4 if needed else 0.5
    for t in sorted({0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, threshold, every}):
        recall, alarms = rates(t)
        grid.append({"threshold": t, "tune_recall": round(recall, 4), "tune_false_alarms": round(alarms, 4)})
    card = {**base, "threshold": threshold, "context_threshold": threshold}
    best: tuple[tuple[int, int, int], dict[str, float]] | None = None
    conversations = data["conversations"]
    for floor, decay, acc, ctx in itertools.product(
        (0.2, 0.3, 0.4), (0.5, 0.7), (0.9, 1.1, 1.4), (threshold, threshold * 0.9)
    ):
        params = {
            "turn_floor": floor,
            "accumulate_decay": decay,
            "accumulate_threshold": acc,
            "accumulate_floor": floor,
            "context_threshold": round(ctx, 4),
        }
        with tempfile.TemporaryDirectory() as tmp:
            write_head(Path(tmp), w, b, {**card, **params})
            detector = _detector(Path(tmp), embedder)
            outcomes = Counter(_conversation_outcome(detector, c) for c in conversations)
        key = (outcomes["ok"], -outcomes["false"] - outcomes["early"], -outcomes["late"])
        if best is None or key > best[0]:
            best = (key, params)
    assert best is not None
    card.update(best[1])
    digest = hashlib.sha256()
    for name in ("risk_positive.jsonl", "risk_negative.jsonl", "conversations.jsonl"):
        digest.update((directory / name).read_bytes())
    card.update(
        {
            "corpus_sha256": digest.hexdigest(),
            "training_rows": len(texts),
            "l2": L2,
            "false_alarm_budget": FALSE_ALARM_BUDGET,
            "tune_recall": round(rates(threshold)[0], 4),
            "tune_false_alarms": round(rates(threshold)[1], 4),
            "tune_grid": grid,
            "conversation_choice": {"ok": best[0][0], "early_or_false": -best[0][1], "late": -best[0][2]},
            "embedder": "all-MiniLM-L6-v2 (mean-pooled, L2-normalised)",
            "command": "python -m emotive_agents.router.train_risk",
        }
    )
    write_head(out, w, b, card)
    return card


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HEAD_DIR)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    card = train(args.out, args.corpus)
    print(json.dumps({k: v for k, v in card.items() if k != "classes"}, indent=1))


if __name__ == "__main__":
    main()
