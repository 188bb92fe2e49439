"""Style judge readings of the unsteered replies (sixth pass): the base rate a style top-1 is read against.

usage: style_base_rate.py DEV.json LIMIT OUT.json [RUN.json ...]
Generates the unsteered greedy replies (40 tokens) to the `LIMIT` evenly spaced queries, reads them with
the style judge, and does the same for the samples stored in each recipe_search RUN.json (per alpha).
"""

import json
import sys
from collections import Counter
from pathlib import Path

import torch

from emotive_agents.engine import EmotiveEngine
from emotive_agents.evaluation.harness import spread
from emotive_agents.evaluation.style_judge import StyleJudge
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.vectors.queries import load_queries

torch.set_num_threads(1)
dev, limit, out, *runs = sys.argv[1:]
queries = spread(load_queries(dev), int(limit))
engine = EmotiveEngine.load()
requests = [
    GenerationRequest.build([{"role": "user", "content": q.text}], max_new_tokens=40) for q in queries
]
texts = [r.text for r in engine.generate_batch(requests)]
judge = StyleJudge()


def read(replies: list[str]) -> dict:
    labels = [r.label for r in judge.score(replies)]
    return {
        "n": len(labels),
        "labels": dict(Counter(labels)),
        "replies": [[t, lab] for t, lab in zip(replies, labels, strict=True)],
    }


result = {"unsteered": read(texts)}
for path in runs:
    run = json.loads(Path(path).read_text())
    by_alpha: dict[str, list[str]] = {}
    for s in run["samples"]:
        by_alpha.setdefault(
            f"{run['name']} {s['condition']['emotion']} {s['condition']['alpha']}", []
        ).append(s["response"])
    for key, replies in by_alpha.items():
        result[key] = read(replies)
Path(out).write_text(json.dumps(result, indent=1))
for key, r in result.items():
    print(key, r["n"], r["labels"])
