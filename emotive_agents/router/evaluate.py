"""Measure the affect readers for the router and choose its default with data.

    python -m emotive_agents.router.evaluate --data ../shared/data/goemotions_ekman \
        --out emotive_agents/data/router/classifier_report.json

Readers: MiniLM head, exemplars, VADER, the default ensemble, and (with --probe) the hidden-state probe
on the embedded model. Sets: GoEmotions dev and test (single-label rows) and the project-written domain
messages (education, healthcare, support). The default is the reader with the best mean of GoEmotions
*dev* macro-F1 and domain-message accuracy (test is only reported). Also reports the crisis detector
on the project-written crisis set and per-turn reading latency.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from emotive_agents.affect.metrics import classification_metrics
from emotive_agents.affect.types import LABELS, AffectClassifier

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "router"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def domain_messages() -> list[dict[str, Any]]:
    """The project-written labelled messages: text, domain, label."""
    return load_jsonl(DATA_DIR / "domain_messages.jsonl")


def crisis_messages() -> list[dict[str, Any]]:
    """Crisis positives and idiom negatives: text, domain, crisis, kind."""
    return load_jsonl(DATA_DIR / "crisis_messages.jsonl")


def _score(gold: Sequence[str], probs: torch.Tensor) -> dict[str, float]:
    predicted = [LABELS[i] for i in probs.argmax(-1).tolist()]
    return {
        k: round(v, 4) for k, v in classification_metrics(gold, predicted).items() if not k.startswith("f1_")
    }


def _probs(classifier: AffectClassifier, texts: Sequence[str]) -> torch.Tensor:
    return torch.tensor([[r.probabilities[label] for label in LABELS] for r in classifier.predict(texts)])


def crisis_report() -> dict[str, Any]:
    from emotive_agents.router.crisis import CrisisDetector

    detector = CrisisDetector()
    rows = crisis_messages()
    hits = [detector.detect(r["text"]).crisis for r in rows]
    positives = [h for h, r in zip(hits, rows, strict=True) if r["crisis"]]
    negatives = [h for h, r in zip(hits, rows, strict=True) if not r["crisis"]]
    ordinary = [detector.detect(r["text"]).crisis for r in domain_messages()]
    return {
        "recall": round(sum(positives) / len(positives), 4),
        "idiom_false_positive_rate": round(sum(negatives) / len(negatives), 4),
        "domain_false_positive_rate": round(sum(ordinary) / len(ordinary), 4),
        "positives": len(positives),
        "idiom_negatives": len(negatives),
        "domain_messages": len(ordinary),
    }


def run(data: Path, *, probe: bool, cache_dir: Path | None) -> dict[str, Any]:
    from emotive_agents.affect.embedding import EmbeddingClassifier
    from emotive_agents.affect.ensemble import DEFAULT_WEIGHTS, EnsembleClassifier
    from emotive_agents.affect.exemplars import ExemplarClassifier
    from emotive_agents.affect.train import embed_split
    from emotive_agents.affect.vader import VaderClassifier
    from emotive_agents.models.embeddings import default_embedder

    embedder = default_embedder("cpu")
    head = EmbeddingClassifier(embedder=embedder)
    exemplars = ExemplarClassifier(embedder=embedder)
    vader = VaderClassifier()
    weights = {k: v for k, v in DEFAULT_WEIGHTS.items() if k != "nade"}
    ensemble = EnsembleClassifier([head, exemplars, vader], weights)

    sets: dict[str, tuple[list[str], list[str], torch.Tensor]] = {}
    for split in ("dev", "test"):
        examples, emb = embed_split(data, split, embedder, cache_dir)
        keep = [i for i, e in enumerate(examples) if len(e.labels) == 1]
        sets[f"goemotions_{split}"] = (
            [examples[i].text for i in keep],
            [examples[i].labels[0] for i in keep],
            emb[keep],
        )
    domain = domain_messages()
    domain_texts = [r["text"] for r in domain]
    sets["domain"] = (domain_texts, [r["label"] for r in domain], embedder.embed(domain_texts))

    probs: dict[str, dict[str, torch.Tensor]] = {
        "minilm-head": {},
        "exemplars": {},
        "vader": {},
        "ensemble": {},
    }
    for name, (texts, _, emb) in sets.items():
        p_head = head.probabilities(emb)
        p_ex = torch.softmax(exemplars.scores(emb) / exemplars.temperature, -1)
        p_vader = _probs(vader, texts)
        probs["minilm-head"][name], probs["exemplars"][name], probs["vader"][name] = p_head, p_ex, p_vader
        w = ensemble.weights
        probs["ensemble"][name] = w["minilm-head"] * p_head + w["exemplars"] * p_ex + w["vader"] * p_vader

    metrics: dict[str, dict[str, Any]] = {
        reader: {s: _score(sets[s][1], p[s]) for s in sets} for reader, p in probs.items()
    }
    by_domain: dict[str, dict[str, float]] = {}
    for reader, p in probs.items():
        by_domain[reader] = {}
        for d in sorted({r["domain"] for r in domain}):
            idx = [i for i, r in enumerate(domain) if r["domain"] == d]
            by_domain[reader][d] = _score([domain[i]["label"] for i in idx], p["domain"][idx])["accuracy"]

    # Per-turn latency of each reader on one short message (what the router pays per new turn).
    latency: dict[str, float] = {}
    one = ["My order is two weeks late and nobody answers my emails!"]
    for reader, obj in (
        ("minilm-head", head),
        ("exemplars", exemplars),
        ("vader", vader),
        ("ensemble", ensemble),
    ):
        obj.predict(one)
        times = []
        for i in range(15):
            t0 = time.perf_counter()
            obj.predict([f"{one[0]} ({i})"])
            times.append(time.perf_counter() - t0)
        latency[reader] = round(statistics.median(times), 4)

    if probe:
        from emotive_agents.affect.probe import ProbeClassifier
        from emotive_agents.engine import EmotiveEngine

        engine = EmotiveEngine.load()
        probe_reader = ProbeClassifier(engine)
        p_dom = _probs(probe_reader, domain_texts)
        metrics["ev-probe"] = {
            "domain": _score(sets["domain"][1], p_dom),
            "goemotions_test_sample": probe_reader.card.metrics.get("test", {}),
            "note": "GoEmotions figures: the probe card's 500-row uniform test sample, not the full split",
        }
        by_domain["ev-probe"] = {}
        for d in sorted({r["domain"] for r in domain}):
            idx = [i for i, r in enumerate(domain) if r["domain"] == d]
            by_domain["ev-probe"][d] = _score([domain[i]["label"] for i in idx], p_dom[idx])["accuracy"]
        probe_reader.predict(one)
        times = []
        for i in range(5):
            t0 = time.perf_counter()
            probe_reader.predict([f"{one[0]} ({i})"])
            times.append(time.perf_counter() - t0)
        latency["ev-probe"] = round(statistics.median(times), 4)

    def objective(reader: str) -> float:
        m = metrics[reader]
        return float((m["goemotions_dev"]["macro_f1"] + m["domain"]["accuracy"]) / 2)

    # The probe has no full-dev figures (see its note); its domain accuracy alone rules it out.
    ranked = sorted((r for r in metrics if "goemotions_dev" in metrics[r]), key=objective, reverse=True)
    return {
        "metrics": metrics,
        "domain_accuracy_by_domain": by_domain,
        "seconds_per_turn": latency,
        "crisis": crisis_report(),
        "default": {
            "chosen": ranked[0],
            "objective": "mean of GoEmotions dev macro-F1 and domain-message accuracy",
            "ranking": [{"reader": r, "objective": round(objective(r), 4)} for r in ranked],
        },
        "sets": {s: len(v[1]) for s, v in sets.items()},
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--probe", action="store_true", help="also measure the hidden-state probe")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from emotive_agents.affect.train import default_cache_dir

    started = time.perf_counter()
    report = run(args.data, probe=args.probe, cache_dir=default_cache_dir())
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
