"""Cross-validated choice of the router reader's bank, member settings and weights (lab code).

    python -m benchmarks.reader_cv [--retrain-head --data ../shared/data/goemotions_ekman] [--out report.json]

The two older blind reader sets (`benchmarks/heldout/reader`, `benchmarks/heldout2/reader`, 402 turns by
writers other than the corpus author) are burned as evaluation and used here as training data for
the nearest-turn bank (and optionally the head). Settings are scored only on rows a candidate did not
train on: (a) leave one set out (bank += one set, score the other) and (b) k folds over both sets
(`--folds`, default 5), stratified by label (bank += the other folds). The objective is the mean of
(a)'s mean macro recall and (b)'s pooled macro recall; the project tune split is reported too.
Seeded, one thread.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.affect.types import LABELS
from emotive_agents.affect.user_turns import load_user_turns
from emotive_agents.router.reader_eval import GOAL_LABELS

# The corpus rows taken from the two burned blind reader sets (`UserTurn.source`).
BURNED = ("heldout1-reader", "heldout2-reader")
FOLDS = 5


def macro(gold: Sequence[int], probs: torch.Tensor) -> float:
    pred = probs.argmax(-1).tolist()
    out = []
    for label in GOAL_LABELS:
        i = LABELS.index(label)
        rows = [p for g, p in zip(gold, pred, strict=True) if g == i]
        if rows:
            out.append(sum(p == i for p in rows) / len(rows))
    return sum(out) / len(out)


def bank_probs(x: torch.Tensor, bank: torch.Tensor, owner: torch.Tensor, k: int, t: float) -> torch.Tensor:
    sims = x @ bank.T
    scores = torch.empty(len(x), len(LABELS))
    for i in range(len(LABELS)):
        own = sims[:, owner == i]
        scores[:, i] = own.topk(min(k, own.shape[1]), dim=1).values.mean(1)
    return torch.softmax(scores / t, -1)


def folds_of(labels: Sequence[int], n: int = FOLDS) -> list[int]:
    """Stratified: the j-th row of each label goes to fold j mod n."""
    seen: dict[int, int] = {}
    out = []
    for y in labels:
        out.append(seen.get(y, 0) % n)
        seen[y] = seen.get(y, 0) + 1
    return out


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--retrain-head", action="store_true", help="retrain the head per fold (slow)")
    p.add_argument("--data", type=Path, default=Path("../shared/data/goemotions_ekman"))
    p.add_argument("--folds", type=int, default=FOLDS, help="stratified folds over both sets (0: none)")
    args = p.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    from emotive_agents.affect.embedding import EmbeddingClassifier
    from emotive_agents.affect.exemplars import ExemplarClassifier
    from emotive_agents.models.embeddings import default_embedder
    from emotive_agents.router.router import ROUTER_EXEMPLARS, ROUTER_HEAD

    emb = default_embedder("cpu")
    train = [r for r in load_user_turns(split="train") if r.source not in BURNED]
    tune = load_user_turns(split="tune")
    burned = [[r for r in load_user_turns(split="train") if r.source == s] for s in BURNED]
    rows_all = train + tune + [r for b in burned for r in b]
    x = emb.embed([r.text for r in rows_all]).float()
    y = torch.tensor([LABELS.index(r.label) for r in rows_all])
    n_tr, n_tu = len(train), len(tune)
    src = torch.tensor([0] * n_tr + [1] * n_tu + [2] * len(burned[0]) + [3] * len(burned[1]))
    b_idx = torch.nonzero(src >= 2).squeeze(1)
    fold = torch.full((len(x),), -1)
    fold[b_idx] = torch.tensor(folds_of(y[b_idx].tolist(), max(args.folds, 1)))

    exem = ExemplarClassifier(ROUTER_EXEMPLARS, embedder=emb)
    p_ex = torch.softmax(exem.scores(x) / exem.temperature, -1)

    def head_probs(extra: torch.Tensor) -> torch.Tensor:
        """The head retrained on the corpus + `extra` rows (or, without --retrain-head, the shipped
        head: it has seen both burned sets, so only the bank is cross-validated then)."""
        if not args.retrain_head:
            return EmbeddingClassifier(ROUTER_HEAD, embedder=emb).probabilities(x)
        from benchmarks.affect_train import Split, default_cache_dir, embed_split
        from benchmarks.affect_train_user import UserTrial, fit_temperature, train_user_head
        from emotive_agents.affect.embedding import HeadArchitecture

        if not hasattr(head_probs, "splits"):
            head_probs.splits = {  # type: ignore[attr-defined]
                s: Split(*embed_split(args.data, s, emb, default_cache_dir())) for s in ("train", "dev")
            }
        sp = head_probs.splits  # type: ignore[attr-defined]
        rows = torch.cat([torch.arange(n_tr), extra])
        tu = torch.arange(n_tr, n_tr + n_tu)
        head, _ = train_user_head(
            UserTrial(oversample=20, power=0.6),
            sp["train"],
            sp["dev"],
            (x[rows], [LABELS[i] for i in y[rows].tolist()]),
            (x[tu], [LABELS[i] for i in y[tu].tolist()]),
            arch=HeadArchitecture(kind="mlp", hidden=256, dropout=0.2),
        )
        with torch.no_grad():
            temp = fit_temperature(head(x[tu]), [LABELS[i] for i in y[tu].tolist()])
            return torch.softmax(head(x) / temp, -1)

    # the evaluation splits: (name, bank extra rows, scored rows)
    splits: list[tuple[str, torch.Tensor, torch.Tensor]] = [
        ("loso:h1->h2", torch.nonzero(src == 2).squeeze(1), torch.nonzero(src == 3).squeeze(1)),
        ("loso:h2->h1", torch.nonzero(src == 3).squeeze(1), torch.nonzero(src == 2).squeeze(1)),
    ]
    for f in range(args.folds):
        splits.append((f"fold{f}", b_idx[fold[b_idx] != f], b_idx[fold[b_idx] == f]))
    splits.append(("none->burned", torch.tensor([], dtype=torch.long), b_idx))  # the bank as shipped before
    splits.append(("all->tune", b_idx, torch.arange(n_tr, n_tr + n_tu)))

    base_bank = torch.arange(n_tr)
    heads = {name: head_probs(extra) for name, extra, _ in splits}
    grid_k, grid_t = (3, 5, 8), (0.05, 0.1)
    results: list[dict[str, Any]] = []
    cache: dict[tuple[str, int, float], torch.Tensor] = {}
    for name, extra, scored in splits:
        bank = torch.cat([base_bank, extra])
        for k, t in itertools.product(grid_k, grid_t):
            cache[(name, k, t)] = bank_probs(x[scored], x[bank], y[bank], k, t)
    n = 10
    for k, t in itertools.product(grid_k, grid_t):
        for a, b in itertools.product(range(n + 1), repeat=2):
            if a + b > n:
                continue
            w = (a / n, b / n, (n - a - b) / n)
            per: dict[str, float] = {}
            pooled_p, pooled_y = [], []
            for name, _extra, scored in splits:
                mix = w[0] * heads[name][scored] + w[1] * p_ex[scored] + w[2] * cache[(name, k, t)]
                if name.startswith("fold"):
                    pooled_p.append(mix)
                    pooled_y.append(y[scored])
                else:
                    per[name] = macro(y[scored].tolist(), mix)
            loso = (per["loso:h1->h2"] + per["loso:h2->h1"]) / 2
            if pooled_p:
                per["kfold"] = macro(torch.cat(pooled_y).tolist(), torch.cat(pooled_p))
            objective = (loso + per["kfold"]) / 2 if pooled_p else loso
            results.append(
                {
                    "objective": round(objective, 4),
                    "k": k,
                    "temperature": t,
                    "weights": {"minilm-head": w[0], "exemplars": w[1], "user-turns": w[2]},
                    "per_split": {s: round(v, 4) for s, v in per.items()},
                }
            )
    results.sort(key=lambda r: -r["objective"])
    from emotive_agents.router.router import ROUTER_TURN_K, ROUTER_WEIGHTS

    ours = {m: ROUTER_WEIGHTS[m] for m in ("minilm-head", "exemplars", "user-turns")}
    shipped = [
        r for r in results if r["k"] == ROUTER_TURN_K and r["temperature"] == 0.1 and r["weights"] == ours
    ]
    report = {
        "retrain_head": args.retrain_head,
        "folds": args.folds,
        "best": results[0],
        "top": results[:12],
        "shipped_point": shipped,
        # the router head alone ('minilm'), the reader the project-written sets alone would pick
        "head_alone": [r for r in results if r["weights"]["minilm-head"] == 1.0][:1],
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
