"""Lab script: fit the hidden-state probe's readout (emotive_agents.affect.probe) on GoEmotions.

Fits on GoEmotions train rows, chooses the regularisation on dev, reports on a test sample and writes the
probe next to the model's shipped data (or --out):

    python -m benchmarks.affect_probe_fit --data ../shared/data/goemotions_ekman
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.affect.goemotions import load_split
from emotive_agents.affect.metrics import classification_metrics
from emotive_agents.affect.probe import (
    HiddenStateProjector,
    ProbeCard,
    default_probe_dir,
    fit_readout,
    save_probe,
)
from emotive_agents.affect.types import LABELS
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.engine import EmotiveEngine


def _sample(examples: Sequence[Any], n: int, seed: int) -> list[Any]:
    """n single-label rows, each label capped at n // 7 first so rare labels are represented."""
    generator = torch.Generator().manual_seed(seed)
    single = [e for e in examples if len(e.labels) == 1]
    order = torch.randperm(len(single), generator=generator).tolist()
    per_label = max(1, n // len(LABELS))
    picked: list[Any] = []
    counts = dict.fromkeys(LABELS, 0)
    for i in order:
        label = single[i].labels[0]
        if counts[label] < per_label:
            picked.append(single[i])
            counts[label] += 1
    for i in order:  # fill up with the natural distribution
        if len(picked) >= n:
            break
        if single[i] not in picked:
            picked.append(single[i])
    return picked[:n]


def main(argv: Sequence[str] | None = None) -> None:
    """Fit the readout on GoEmotions train rows, choose regularisation on dev, report on a test sample."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--train", type=int, default=1400)
    parser.add_argument("--dev", type=int, default=500)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--layers", default="", help="comma-separated layer indices (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    engine = EmotiveEngine.load(args.model)
    layers = [int(i) for i in args.layers.split(",")] if args.layers else None
    projector = HiddenStateProjector(engine, layers=layers)
    sets = {
        "train": _sample(load_split(args.data, "train"), args.train, args.seed),
        "dev": _sample(load_split(args.data, "dev"), args.dev, args.seed),
        # Test: a uniform random sample of single-label rows (natural label distribution).
        "test": [e for e in load_split(args.data, "test") if len(e.labels) == 1],
    }
    perm = torch.randperm(len(sets["test"]), generator=torch.Generator().manual_seed(args.seed)).tolist()
    sets["test"] = [sets["test"][i] for i in perm[: args.test]]
    states = {s: projector.mean_states([e.text for e in rows]) for s, rows in sets.items()}
    gold = {s: torch.tensor([LABELS.index(e.labels[0]) for e in rows]) for s, rows in sets.items()}
    centre = states["train"].mean(0)
    scale = (states["train"] - centre).norm(dim=-1).mean(0).clamp_min(1e-6) / projector.directions.shape[
        -1
    ] ** 0.5
    feats = {s: projector.project(v, centre, scale) for s, v in states.items()}
    mu, sd = feats["train"].mean(0), feats["train"].std(0).clamp_min(1e-6)
    z = {s: (f - mu) / sd for s, f in feats.items()}

    def score(s: str, w: torch.Tensor, b: torch.Tensor) -> dict[str, float]:
        pred = (z[s] @ w.T + b).argmax(-1).tolist()
        return classification_metrics([LABELS[i] for i in gold[s].tolist()], [LABELS[i] for i in pred])

    trials = []
    for wd in (1e-4, 1e-3, 1e-2):
        for power in (0.0, 0.5):
            w, b = fit_readout(z["train"], gold["train"], weight_decay=wd, power=power)
            trials.append((score("dev", w, b)["macro_f1"], wd, power, w, b))
    best = max(trials, key=lambda t: t[0])
    _, wd, power, w, b = best
    # Fold the standardisation into the readout so inference is one matmul on raw projections.
    weight, bias = w / sd, b - (w / sd) @ mu
    logits_dev = feats["dev"] @ weight.T + bias
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits_dev / log_t.exp(), gold["dev"])
        loss.backward()
        return loss

    opt.step(closure)
    metrics = {s: {k: round(v, 4) for k, v in score(s, w, b).items()} for s in ("dev", "test")}
    card = ProbeCard(
        model_name=engine.loaded.name,
        weights_hash=engine.loaded.fingerprint.weights_hash,
        emotions=projector.emotions,
        layers=projector.layers,
        max_tokens=projector.max_tokens,
        temperature=float(log_t.detach().exp()),
        data={
            "source": "GoEmotions, Ekman mapping (CC BY 4.0)",
            "train_rows": len(sets["train"]),
            "dev_rows": len(sets["dev"]),
            "test_rows": len(sets["test"]),
            "sampling": "train/dev: single-label rows, labels capped at n/7 then natural; test: uniform",
            "seed": args.seed,
        },
        metrics={
            **metrics,
            "chosen": {"weight_decay": wd, "class_weight_power": power},
            "grid": [{"weight_decay": t[1], "power": t[2], "dev_macro_f1": round(t[0], 4)} for t in trials],
            "seconds": round(time.perf_counter() - started, 1),
            "command": "python -m benchmarks.affect_probe_fit --data ../shared/data/goemotions_ekman",
        },
    )
    save_probe(args.out or default_probe_dir(engine.loaded.name), card, centre, scale, weight, bias)
    print(json.dumps(card.metrics, indent=1))


if __name__ == "__main__":
    main()
