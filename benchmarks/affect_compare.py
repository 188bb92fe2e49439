"""Compare the affect classifiers and choose the judge ensemble's settings, without tuning on what we report.

    python -m benchmarks.affect_compare --data ../shared/data/goemotions_ekman \
        --out emotive_agents/data/affect/judge_report.json

Chosen on GoEmotions dev and the check set's 'tune' half: Nade's neutral level, trust share and
temperature, the exemplars' k and temperature, and the ensemble weights. Reported on GoEmotions test
(single-label rows) and the check set's 'holdout' half.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from benchmarks.affect_train import default_cache_dir, embed_split
from emotive_agents.affect.embedding import EmbeddingClassifier
from emotive_agents.affect.exemplars import ExemplarClassifier
from emotive_agents.affect.goemotions import Example
from emotive_agents.affect.metrics import classification_metrics
from emotive_agents.affect.nade_judge import NadeClassifier, plutchik_to_scores
from emotive_agents.affect.types import LABELS, VALENCE_SIGN
from emotive_agents.affect.vader import VaderClassifier, compound_to_probabilities
from emotive_agents.evaluation.judge import load_checkset

Probs = torch.Tensor  # [n, 7] in LABELS order


class Bench:
    """Texts and gold labels of the four evaluation sets (single-label GoEmotions rows only)."""

    def __init__(self, data: Path, embedder: Any, cache_dir: Path | None) -> None:
        self.texts: dict[str, list[str]] = {}
        self.gold: dict[str, list[str]] = {}
        self.embeddings: dict[str, torch.Tensor] = {}
        for split in ("dev", "test"):
            examples, emb = embed_split(data, split, embedder, cache_dir)
            keep = [i for i, e in enumerate(examples) if len(e.labels) == 1]
            self._add(f"goemotions_{split}", [examples[i] for i in keep], emb[keep])
        checkset = load_checkset()
        for half in ("tune", "holdout"):
            items = checkset.subset(half).items
            examples = [Example(text=i.text, labels=(i.label,)) for i in items]
            self._add(f"check_{half}", examples, embedder.embed([e.text for e in examples]))

    def _add(self, name: str, examples: Sequence[Example], embeddings: torch.Tensor) -> None:
        self.texts[name] = [e.text for e in examples]
        self.gold[name] = [e.labels[0] for e in examples]
        self.embeddings[name] = embeddings

    def score(self, name: str, probs: Probs) -> dict[str, float]:
        predicted = [LABELS[i] for i in probs.argmax(-1).tolist()]
        return classification_metrics(self.gold[name], predicted)

    def nll(self, name: str, probs: Probs) -> float:
        gold = torch.tensor([LABELS.index(g) for g in self.gold[name]])
        return float(-probs.clamp_min(1e-9).log()[torch.arange(len(gold)), gold].mean())


def run(data: Path, cache_dir: Path | None) -> dict[str, Any]:
    from emotive_agents.models.embeddings import default_embedder

    embedder = default_embedder("cpu")
    bench = Bench(data, embedder, cache_dir)
    sets = list(bench.texts)
    probs: dict[str, dict[str, Probs]] = {}
    chosen: dict[str, dict[str, Any]] = {}

    head = EmbeddingClassifier(embedder=embedder)
    probs["minilm-head"] = {s: head.probabilities(bench.embeddings[s]) for s in sets}

    # Exemplars: k by argmax quality (dev macro-F1 + check tune accuracy), temperature by dev NLL.
    exemplars = ExemplarClassifier(embedder=embedder)
    by_k = {}
    for k in (1, 3, 5):
        exemplars.k = k
        by_k[k] = {s: exemplars.scores(bench.embeddings[s]) for s in sets}
    k = max(
        by_k,
        key=lambda k: (
            bench.score("goemotions_dev", by_k[k]["goemotions_dev"])["macro_f1"]
            + bench.score("check_tune", by_k[k]["check_tune"])["accuracy"]
        ),
    )
    sims = by_k[k]
    t_ex = max(
        (0.01, 0.02, 0.03, 0.05, 0.1),
        key=lambda t: -bench.nll("goemotions_dev", torch.softmax(sims["goemotions_dev"] / t, -1)),
    )
    probs["exemplars"] = {s: torch.softmax(sims[s] / t_ex, -1) for s in sets}
    chosen["exemplars"] = {"k": k, "temperature": t_ex}

    # Nade: neutral level and trust share by dev macro-F1; temperature by dev NLL.
    nade = NadeClassifier()
    raw = {s: nade.intensities(bench.texts[s]) for s in sets}

    def nade_scores(s: str, trust: float, level: float) -> torch.Tensor:
        rows = [plutchik_to_scores(r, trust, level) for r in raw[s]]
        return torch.tensor([[row[label] for label in LABELS] for row in rows])

    trust, level = max(
        itertools.product((0.0, 0.5, 1.0), (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)),
        key=lambda p: bench.score("goemotions_dev", nade_scores("goemotions_dev", *p))["macro_f1"],
    )
    dev_scores = nade_scores("goemotions_dev", trust, level)
    t_nade = max(
        (0.03, 0.05, 0.1, 0.15, 0.2, 0.3),
        key=lambda t: -bench.nll("goemotions_dev", torch.softmax(dev_scores / t, -1)),
    )
    probs["nade"] = {s: torch.softmax(nade_scores(s, trust, level) / t_nade, -1) for s in sets}
    chosen["nade"] = {"trust_to_joy": trust, "neutral_level": level, "temperature": t_nade}

    vader = VaderClassifier()
    compound = {s: vader.compound(bench.texts[s]) for s in sets}
    probs["vader"] = {
        s: torch.tensor([[compound_to_probabilities(c)[label] for label in LABELS] for c in compound[s]])
        for s in sets
    }

    # Ensemble weights on a 0.1 grid: the mean of dev macro-F1 and check 'tune' top-1.
    names = list(probs)
    grid = [w for w in itertools.product(range(11), repeat=len(names)) if sum(w) == 10]

    def mix(weights: Sequence[float], s: str) -> Probs:
        return torch.stack([(w / 10) * probs[n][s] for n, w in zip(names, weights, strict=True)]).sum(0)

    def objective(weights: Sequence[float]) -> float:
        return (
            bench.score("goemotions_dev", mix(weights, "goemotions_dev"))["macro_f1"]
            + bench.score("check_tune", mix(weights, "check_tune"))["accuracy"]
        ) / 2

    ranked = sorted(grid, key=objective, reverse=True)
    best = ranked[0]
    probs["ensemble"] = {s: mix(best, s) for s in sets}
    chosen["ensemble"] = {
        "weights": {n: w / 10 for n, w in zip(names, best, strict=True)},
        "objective": "mean of GoEmotions dev macro-F1 and check 'tune' top-1",
        "runners_up": [
            {
                "weights": dict(zip(names, [x / 10 for x in w], strict=True)),
                "objective": round(objective(w), 4),
            }
            for w in ranked[:5]
        ],
    }

    # Valence: the VADER share of the blend, by sign accuracy (joy > 0; anger, disgust, fear, sadness < 0).
    sign = torch.tensor([VALENCE_SIGN.get(label, 0.0) for label in LABELS])

    def sign_accuracy(vw: float, s: str) -> float:
        gold = torch.tensor([VALENCE_SIGN.get(g, 0.0) for g in bench.gold[s]])
        valence = vw * torch.tensor(compound[s]) + (1 - vw) * (probs["ensemble"][s] @ sign)
        keep = gold != 0
        return float(((valence * gold)[keep] > 0).float().mean())

    vader_shares = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)
    vw = max(
        vader_shares,
        key=lambda w: sign_accuracy(w, "goemotions_dev") + sign_accuracy(w, "check_tune"),
    )
    chosen["ensemble"]["valence_weight"] = vw
    valence = {f"vader_share_{w}": {s: round(sign_accuracy(w, s), 4) for s in sets} for w in vader_shares}

    table = {
        name: {
            s: {
                k: round(v, 4)
                for k, v in bench.score(s, p[s]).items()
                if not k.startswith("f1_") or "check" not in s
            }
            for s in sets
        }
        for name, p in probs.items()
    }
    return {
        "chosen": chosen,
        "metrics": table,
        "valence_sign_accuracy": valence,
        "selection_sets": ["goemotions_dev", "check_tune"],
        "report_sets": ["goemotions_test", "check_holdout"],
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    report = run(args.data, args.cache_dir or default_cache_dir())
    report["seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
