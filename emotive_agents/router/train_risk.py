"""Train the risk detector's semantic layer on the project-written risk corpus; choose thresholds on tune.

    python -m emotive_agents.router.train_risk --extra-train benchmarks/heldout/risk \
        --extra-train emotive_agents/data/router/risk_extra --tune-set benchmarks/heldout2/risk

Lab code: the runtime never imports it. The corpus (`data/router/risk/`, CC0, written by hand for this
project) carries its own seeded train/tune split; `--extra-train DIR` adds every row of another risk
set (a burned held-out set, the third-round corpus `data/router/risk_extra/`). Training rows: every
training positive (its category), the request sentences of a positive embedded in a request ("none":
asking for a refund is not the risk), and every training negative with each of its sentences and
sentence pairs ("none"), so the head learns that a sentence lifted from a story or a recovered past
is not a crisis.

Model: a multinomial logistic regression on frozen MiniLM features (full-batch L-BFGS from zeros),
then MiniLM's top `--tuned-layers` layers fine-tuned together with that head (`risk_finetune`,
seeded AdamW); the tuned layers ship as rank-`--rank` deltas from MiniLM's own (`risk_encoder`), and
the thresholds are chosen on that shipped form.

Thresholds, recall first within a false-alarm budget (`risk_folds.choose_threshold`: the highest
recall whose false-alarm rate stays within FALSE_ALARM_BUDGET, the 5 % goal), on one of:
- `--tune-set DIR`: a burned set held out of training (every corpus row then trains);
- `--folds K`: out-of-fold scores over the corpus's tune rows and the `--extra-train` rows
  (K + 1 trainings; the shipped head trains on everything);
- neither: the corpus's tune split plus `--extra-tune DIR` (the second-round recipe).
The conversation parameters are the grid point that flags the tune conversations (the corpus's and
every given set's) at their turn, then the fewest early or false flags, then the fewest late ones.
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

from emotive_agents.router.risk import is_request, normalise, sentences, units
from emotive_agents.router.risk_folds import (
    BASE_CARD,
    CLASSES,
    breakdown,
    choose_threshold,
    cross_validate,
    detector_for,
    rates,
    score_rows,
)
from emotive_agents.router.risk_semantic import HEAD_DIR, write_head

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "router" / "risk"
FALSE_ALARM_BUDGET = 0.05  # the goal; the lowest threshold within it (recall first)
L2 = 1e-4
TUNED_LAYERS = 3
EPOCHS = 5
LEARNING_RATE = 5e-5
RANK = 64  # the tuned layers ship as rank-64 deltas from MiniLM (2.7 MB; 10.6 MB in full float16)


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


def with_burned(
    data: dict[str, list[dict[str, Any]]], burned: Sequence[Path]
) -> dict[str, list[dict[str, Any]]]:
    """The corpus plus every row of each burned evaluation set, split "extra" (training and
    cross-validation rows alike; their conversations join the corpus's)."""
    from emotive_agents.router.risk_eval import load_risk_set

    out = {k: list(v) for k, v in data.items()}
    for directory in burned:
        for key, more in load_risk_set(directory).items():
            out[key] += [{**r, "split": "extra", "source": str(directory)} for r in more]
    return out


class Trainer:
    """Trains heads on row subsets with one shared MiniLM and its caches (the folds reuse them)."""

    def __init__(self, tuned_layers: int, rank: int | None) -> None:
        from emotive_agents.models.embeddings import default_embedder
        from emotive_agents.router.risk_finetune import LowerCache

        self.shared = default_embedder("cpu")
        self.frozen = CachedEmbedder(self.shared)
        self.tuned_layers, self.rank = tuned_layers, rank
        self.lower = LowerCache(self.shared, tuned_layers) if tuned_layers > 0 else None
        stack = self.shared.model.encoder.layer
        top = torch.nn.ModuleList(list(stack[len(stack) - tuned_layers :])) if tuned_layers else None
        self.base = {k: v.detach().clone() for k, v in top.state_dict().items()} if top else {}

    def fit(self, data: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        """A head (and tuned layers) on `data`'s split "train" rows; embedders for the full layers
        and for the form they ship in (rank-r deltas)."""
        from emotive_agents.router.risk_encoder import RiskEncoder, compress_low_rank, expand_low_rank
        from emotive_agents.router.risk_finetune import finetune

        torch.manual_seed(0)
        texts, labels = training_rows(data)
        y = torch.tensor(labels)
        w, b = fit(self.frozen.embed(texts).clone(), y)  # clone: out of inference mode, for autograd
        model: dict[str, Any] = {"w": w, "b": b, "layers": None, "rows": len(texts)}
        model["shipped"] = model["full"] = self.frozen
        if self.tuned_layers > 0:
            layers, w, b = finetune(
                self.shared,
                texts,
                y,
                (w, b),
                n_tuned=self.tuned_layers,
                epochs=EPOCHS,
                lr=LEARNING_RATE,
                cache=self.lower,
            )
            state = layers.state_dict()
            full = {k: v.to(torch.float16) for k, v in state.items()}
            shipped = compress_low_rank(self.base, state, self.rank) if self.rank else full
            model.update(w=w, b=b, layers=layers)
            model["full"] = CachedEmbedder(RiskEncoder(self.shared, full, self.tuned_layers))
            model["shipped"] = CachedEmbedder(
                RiskEncoder(self.shared, expand_low_rank(self.base, shipped), self.tuned_layers)
            )
        return model


def choose_conversation_params(
    model: dict[str, Any], card: dict[str, Any], conversations: list[dict[str, Any]], threshold: float
) -> tuple[dict[str, float], dict[str, int]]:
    """The grid point that flags the most conversations at their turn, then the fewest early or
    false flags, then the fewest late ones."""
    best: tuple[tuple[int, int, int], dict[str, float]] | None = None
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
            write_head(Path(tmp), model["w"], model["b"], {**card, **params})
            detector = detector_for(Path(tmp), model["shipped"])
            outcomes = Counter(_conversation_outcome(detector, c) for c in conversations)
        key = (outcomes["ok"], -outcomes["false"] - outcomes["early"], -outcomes["late"])
        if best is None or key > best[0]:
            best = (key, params)
    assert best is not None
    return best[1], {"ok": best[0][0], "early_or_false": -best[0][1], "late": -best[0][2]}


def train(
    out: Path,
    directory: Path = CORPUS_DIR,
    extra_tune: Path | None = None,
    tuned_layers: int = TUNED_LAYERS,
    extra_train: Sequence[Path] = (),
    folds: int = 0,
    rank: int | None = RANK,
    tune_set: Path | Sequence[Path] | None = None,
) -> dict[str, Any]:
    """Train the shipped head into `out`. Thresholds: with `tune_set` (a burned set held out of
    training) on that set alone, every corpus and `extra_train` row training; with `folds` >= 2 from
    cross-validation over the corpus's tune rows and `extra_train`, the head then training on all of
    them; otherwise on the corpus's tune split plus `extra_tune` (the earlier recipe)."""
    tune_sets = [tune_set] if isinstance(tune_set, Path) else list(tune_set or ())
    if sum(bool(x) for x in (extra_tune, folds, tune_sets)) > 1:
        raise ValueError("choose one of --extra-tune, --folds and --tune-set")
    trainer = Trainer(tuned_layers, rank if tuned_layers else None)
    data = with_burned(corpus(directory), extra_train)
    tune: dict[str, list[dict[str, Any]]] = {}
    if tune_sets:
        from emotive_agents.router.risk_eval import load_risk_set

        oof = None
        tune = {"positives": [], "negatives": [], "conversations": []}
        for tune_dir in tune_sets:  # several burned sets held out of training, pooled
            for key, rows in load_risk_set(tune_dir).items():
                tune[key] += rows
        final = {key: [{**r, "split": "train"} for r in rows] for key, rows in data.items()}
        conversations = data["conversations"] + tune["conversations"]
    elif folds >= 2:
        oof = cross_validate(trainer, data, folds)
        scored = oof["shipped"]
        final = {key: [{**r, "split": "train"} for r in rows] for key, rows in data.items()}
        conversations = data["conversations"]
    else:
        oof = None
        tune = tune_rows(data, extra_tune)
        final, conversations = data, tune["conversations"]
    model = trainer.fit(final)
    if oof is None:
        scored = score_rows(model, model["shipped"], tune["positives"], tune["negatives"])
        if tune_sets:
            oof = {"full": score_rows(model, model["full"], tune["positives"], tune["negatives"])}
    threshold = choose_threshold(scored, FALSE_ALARM_BUDGET)
    grid = []
    needed = [r.raw for r in scored if r.positive and not r.pattern]
    every = math.floor(min(needed) * 1e4) / 1e4 if needed else 0.5
    for t in sorted({0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, threshold, every}):
        recall, alarms = rates(scored, t)
        grid.append({"threshold": t, "tune_recall": round(recall, 4), "tune_false_alarms": round(alarms, 4)})
    card = {**BASE_CARD, "threshold": threshold, "context_threshold": threshold}
    params, choice = choose_conversation_params(model, card, conversations, threshold)
    card.update(params)
    digest = hashlib.sha256()
    for name in ("risk_positive.jsonl", "risk_negative.jsonl", "conversations.jsonl"):
        digest.update((directory / name).read_bytes())
    at = breakdown(scored, threshold)
    card.update(
        {
            "corpus_sha256": digest.hexdigest(),
            "extra_tune": str(extra_tune) if extra_tune else None,
            "extra_train": [str(d) for d in extra_train],
            "folds": folds,
            "tune_set": ",".join(str(d) for d in tune_sets) or None,
            "training_rows": model["rows"],
            "l2": L2,
            "finetune": {"tuned_layers": tuned_layers, "epochs": EPOCHS, "lr": LEARNING_RATE, "seed": 0},
            "false_alarm_budget": FALSE_ALARM_BUDGET,
            "tune_positives": at["positives"],
            "tune_negatives": at["negatives"],
            "tune_conversations": len(conversations),
            "tune_recall": at["recall"],
            "tune_false_alarms": at["false_alarms"],
            "tune_breakdown": at,
            "tune_grid": grid,
            "conversation_choice": choice,
            "embedder": f"all-MiniLM-L6-v2 (mean-pooled, L2-normalised), top {tuned_layers} layers tuned"
            + (f", shipped as rank-{rank} deltas" if tuned_layers and rank else ""),
            "command": "python -m emotive_agents.router.train_risk"
            + (f" --extra-tune {extra_tune}" if extra_tune else "")
            + "".join(f" --extra-train {d}" for d in extra_train)
            + (f" --folds {folds}" if folds else "")
            + "".join(f" --tune-set {d}" for d in tune_sets)
            + (f" --rank {rank}" if rank != RANK else ""),
        }
    )
    if oof is not None:
        card["tune_breakdown_full_layers"] = breakdown(oof["full"], threshold)
    write_head(out, model["w"], model["b"], card, tuned=model["layers"], base=trainer.base or None, rank=rank)
    if model["layers"] is None:
        (out / "encoder.safetensors").unlink(missing_ok=True)
    return card


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HEAD_DIR)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--extra-tune", type=Path, default=None, help="a burned risk set added to tune")
    parser.add_argument("--tuned-layers", type=int, default=TUNED_LAYERS, help="0: head only")
    parser.add_argument(
        "--tune-set",
        type=Path,
        action="append",
        default=[],
        help="thresholds on this burned set (repeat to pool several), held out of training",
    )
    parser.add_argument(
        "--extra-train",
        type=Path,
        action="append",
        default=[],
        help="a burned risk set used as training data",
    )
    parser.add_argument(
        "--folds", type=int, default=0, help="cross-validated thresholds over this many folds"
    )
    parser.add_argument(
        "--rank", type=int, default=RANK, help="ship tuned layers as rank-r deltas (0: in full)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    card = train(
        args.out,
        args.corpus,
        args.extra_tune,
        args.tuned_layers,
        args.extra_train,
        args.folds,
        args.rank or None,
        args.tune_set,
    )
    print(json.dumps({k: v for k, v in card.items() if k != "classes"}, indent=1))


if __name__ == "__main__":
    main()
