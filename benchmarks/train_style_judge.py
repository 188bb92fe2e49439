"""Lab script: train the style judge's head into emotive_agents/data/style_judge/ (head + card).

Training texts: the reply corpus (calm/encouraging/patient rows as themselves; neutral and the five emotion
rows as `other`) plus data/style_judge/style_texts.jsonl. The L2 strength is chosen on a dev split of the
corpus by query (every fourth query held out), then the head is refitted on everything. The independent
check set is never read here (see benchmarks/validate_style_judge.py).

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python benchmarks/train_style_judge.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

import torch

from emotive_agents.vectors.corpus import STYLES, load_replies
from emotive_agents.evaluation.style_judge import (
    DEFAULT_STYLE_DIR,
    STYLE_LABELS,
    StyleCard,
    StyleJudge,
    fit_head,
    load_style_texts,
    style_features,
)
from emotive_agents.models.embeddings import default_embedder

L2_GRID = (1e-4, 1e-3, 1e-2)


def _accuracy(judge: StyleJudge, texts: list[str], labels: list[str]) -> dict[str, float]:
    predicted = [max(p, key=p.__getitem__) for p in judge.probabilities(texts)]
    out = {"overall": sum(p == g for p, g in zip(predicted, labels, strict=True)) / len(labels)}
    for label in STYLE_LABELS:
        own = [p == g for p, g in zip(predicted, labels, strict=True) if g == label]
        out[label] = sum(own) / len(own) if own else float("nan")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_STYLE_DIR)
    args = parser.parse_args()
    rows = load_replies().rows
    queries = list(dict.fromkeys(r.query for r in rows))
    dev_queries = set(queries[3::4])
    corpus = [
        (r.response, r.emotion if r.emotion in STYLES else "other", r.query in dev_queries) for r in rows
    ]
    extra = load_style_texts()
    embedder = default_embedder()
    texts = [t for t, _, _ in corpus] + [t for t, _ in extra]
    labels = [lab for _, lab, _ in corpus] + [lab for _, lab in extra]
    is_dev = [d for _, _, d in corpus] + [False] * len(extra)
    embeddings = style_features(embedder, texts)
    train_idx = [i for i, d in enumerate(is_dev) if not d]
    dev_idx = [i for i, d in enumerate(is_dev) if d]
    grid = {}
    for l2 in L2_GRID:
        weight, bias = fit_head(embeddings[train_idx], [labels[i] for i in train_idx], l2=l2)
        judge = StyleJudge(embedder=embedder, weight=weight, bias=bias, card=StyleCard())
        grid[l2] = _accuracy(judge, [texts[i] for i in dev_idx], [labels[i] for i in dev_idx])
        print(f"l2={l2:g} dev accuracy {grid[l2]}")
    # Mean of the four per-label accuracies, so the large `other` class cannot dominate the choice.
    best = max(L2_GRID, key=lambda l2: sum(grid[l2][k] for k in STYLE_LABELS) / len(STYLE_LABELS))
    weight, bias = fit_head(embeddings, labels, l2=best)
    card = StyleCard(
        training={
            "method": "class-balanced logistic regression on MiniLM embeddings (whole, first, last sentence)",
            "l2": best,
            "steps": 400,
            "texts": {label: labels.count(label) for label in STYLE_LABELS},
            "sources": [
                "emotive_agents/data/replies.jsonl",
                "emotive_agents/data/style_judge/style_texts.jsonl",
            ],
            "date": datetime.date.today().isoformat(),
            "command": "PYTHONPATH=$PWD python benchmarks/train_style_judge.py",
        },
        dev={
            "split": f"{len(dev_queries)} corpus queries (every fourth) held out, {len(dev_idx)} texts",
            "l2_grid": {str(k): v for k, v in grid.items()},
            "chosen_l2": best,
        },
    )
    StyleJudge(embedder=embedder, weight=weight, bias=bias, card=card).save(args.out)
    print(f"wrote {args.out} (l2={best})")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
