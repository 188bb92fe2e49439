"""Train the risk detector's semantic layer on the project-written risk corpus; choose thresholds on tune.

    python -m emotive_agents.router.train_risk --extra-tune benchmarks/heldout/risk

Lab code: the runtime never imports it. The corpus (`data/router/risk/`, CC0, written by hand for this
project) carries its own seeded train/tune split. Training rows: every train positive (its category),
the request sentences of a train positive embedded in a request ("none": asking for a refund is not
the risk), and every train negative with each of its sentences and sentence pairs ("none"), so the
head learns that a sentence lifted from a story or a recovered past is not a crisis.

Model: a multinomial logistic regression on frozen MiniLM features (full-batch L-BFGS from zeros),
then MiniLM's top `--tuned-layers` layers fine-tuned together with that head (`risk_finetune`,
seeded AdamW); the tuned layers ship as float16 next to the head.

Thresholds, recall first within a false-alarm budget, on the tune rows: the corpus's tune split plus
`--extra-tune DIR` (a risk set already used for evaluation, e.g. the burned first held-out set). The
message threshold is the lowest one (the most recall) whose false-alarm rate on the tune negatives
stays within FALSE_ALARM_BUDGET (the 5 % goal). The conversation parameters are the grid point that
flags the tune conversations at their turn, then the fewest early or false flags, then the fewest
late ones.
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

from emotive_agents.router.risk import NO_RISK, RISK_CATEGORIES, is_request, normalise, sentences, units
from emotive_agents.router.risk_semantic import HEAD_DIR, RiskHead, SemanticRiskScorer, write_head

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "router" / "risk"
CLASSES: tuple[str, ...] = (NO_RISK, *RISK_CATEGORIES)
FALSE_ALARM_BUDGET = 0.05  # the goal; the lowest threshold within it (recall first)
L2 = 1e-4
TUNED_LAYERS = 3
EPOCHS = 5
LEARNING_RATE = 5e-5


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
    from emotive_agents.router.crisis import CrisisDetector

    patterns = CrisisDetector(semantic=False)
    texts: list[str] = []
    labels: list[int] = []
    for row in data["positives"]:
        if row["split"] == "train":
            text = normalise(row["text"])
            texts.append(text)
            labels.append(CLASSES.index(row["category"]))
            if row["category"] == "embedded_in_request":  # the request itself is not the risk
                for part in sentences(text):
                    if part != text and is_request(part) and not patterns.pattern_hits(part):
                        texts.append(part)
                        labels.append(0)
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


def tune_rows(data: dict[str, list[dict[str, Any]]], extra: Path | None) -> dict[str, list[dict[str, Any]]]:
    """The corpus's tune split plus every row of `extra` (a burned evaluation set), if given."""
    rows = {k: [r for r in v if r.get("split") == "tune" or k == "conversations"] for k, v in data.items()}
    if extra is not None:
        from emotive_agents.router.risk_eval import load_risk_set

        for key, more in load_risk_set(extra).items():
            rows[key] = rows[key] + more
    return rows


def train(
    out: Path,
    directory: Path = CORPUS_DIR,
    extra_tune: Path | None = None,
    tuned_layers: int = TUNED_LAYERS,
) -> dict[str, Any]:
    from emotive_agents.models.embeddings import default_embedder
    from emotive_agents.router.risk_encoder import RiskEncoder
    from emotive_agents.router.risk_finetune import finetune

    torch.manual_seed(0)
    data = corpus(directory)
    shared = default_embedder("cpu")
    texts, labels = training_rows(data)
    x = CachedEmbedder(shared).embed(texts).clone()  # out of inference mode, for autograd
    y = torch.tensor(labels)
    w, b = fit(x, y)
    layers: torch.nn.ModuleList | None = None
    if tuned_layers > 0:
        layers, w, b = finetune(
            shared, texts, y, (w, b), n_tuned=tuned_layers, epochs=EPOCHS, lr=LEARNING_RATE
        )
        embedder = CachedEmbedder(RiskEncoder(shared, layers.state_dict(), tuned_layers))
    else:
        embedder = CachedEmbedder(shared)
    base: dict[str, Any] = {
        "classes": list(CLASSES),
        "threshold": 0.5,
        "context_threshold": 0.5,
        "turn_floor": 0.0,
        "accumulate_decay": 0.0,
        "accumulate_threshold": 99.0,
        "accumulate_floor": 1.0,
    }
    tune = tune_rows(data, extra_tune)
    with tempfile.TemporaryDirectory() as tmp:
        write_head(Path(tmp), w, b, base)
        detector = _detector(Path(tmp), embedder)
        tune_pos, tune_neg = tune["positives"], tune["negatives"]
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
    conversations = tune["conversations"]
    for floor, decay, acc, ctx in itertools.product(
        (0.2, 0.3, 0.4), (0.5, 0.7), (0.9, 1.1, 1.4), (threshold, min(0.95, threshold * 1.1))
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
            "extra_tune": str(extra_tune) if extra_tune else None,
            "training_rows": len(texts),
            "l2": L2,
            "finetune": {"tuned_layers": tuned_layers, "epochs": EPOCHS, "lr": LEARNING_RATE, "seed": 0},
            "false_alarm_budget": FALSE_ALARM_BUDGET,
            "tune_positives": len(tune_pos),
            "tune_negatives": len(tune_neg),
            "tune_conversations": len(conversations),
            "tune_recall": round(rates(threshold)[0], 4),
            "tune_false_alarms": round(rates(threshold)[1], 4),
            "tune_grid": grid,
            "conversation_choice": {"ok": best[0][0], "early_or_false": -best[0][1], "late": -best[0][2]},
            "embedder": f"all-MiniLM-L6-v2 (mean-pooled, L2-normalised), top {tuned_layers} layers tuned",
            "command": "python -m emotive_agents.router.train_risk"
            + (f" --extra-tune {extra_tune}" if extra_tune else ""),
        }
    )
    write_head(out, w, b, card, tuned=layers)
    if layers is None:
        (out / "encoder.safetensors").unlink(missing_ok=True)
    return card


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HEAD_DIR)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--extra-tune", type=Path, default=None, help="a burned risk set added to tune")
    parser.add_argument("--tuned-layers", type=int, default=TUNED_LAYERS, help="0: head only")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    card = train(args.out, args.corpus, args.extra_tune, args.tuned_layers)
    print(json.dumps({k: v for k, v in card.items() if k != "classes"}, indent=1))


if __name__ == "__main__":
    main()
