"""Lab script: the fluency an *ideal* steering would score, measured on the reply corpus itself.

Each corpus reply is scored the way `emotive-agents eval` scores a steered reply: perplexity under the
unsteered model after the plain user turn, distinct-2, and query/reply topic similarity, on the first
`--tokens` reply tokens (the eval generates 40). Ratios are to the same queries' neutral replies. A
steering that wrote exactly like the corpus would get these ratios, so they bound what the fluency
limits (perplexity <= 1.5x, topic >= 0.85x, distinct-2 >= 0.9x) allow for replies that read as the target.

    PYTHONPATH=$PWD python benchmarks/issue14/corpus_ceiling.py [--tokens 40] [--queries N] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from emotive_agents.evaluation.metrics import distinct_n, perplexities, topic_similarity
from emotive_agents.generation.chat import ChatMessage
from emotive_agents.generation.generator import Generator
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.models.embeddings import default_embedder
from emotive_agents.models.loading import load_model
from emotive_agents.vectors.corpus import CONDITIONS, load_replies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=40)
    parser.add_argument("--queries", type=int, default=None, help="only the first N corpus queries")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    loaded = load_model("smollm2-135m")
    generator = Generator(loaded)
    tokenizer = loaded.tokenizer
    corpus = load_replies()
    rows = corpus.subset(corpus.queries[: args.queries]).rows if args.queries else corpus.rows
    texts = [
        tokenizer.decode(tokenizer(r.response, add_special_tokens=False)["input_ids"][: args.tokens])
        for r in rows
    ]
    prompts = [
        generator.prompt_text(GenerationRequest(messages=(ChatMessage(role="user", content=r.query),)))
        for r in rows
    ]
    ppl = perplexities(loaded, prompts, texts, batch_size=16)
    topic = topic_similarity(default_embedder(), [r.query for r in rows], texts)
    out: dict[str, dict[str, float]] = {}
    for condition in CONDITIONS:
        idx = [i for i, r in enumerate(rows) if r.emotion == condition]
        out[condition] = {
            "perplexity": statistics.fmean(ppl[i] for i in idx),
            "distinct_2": statistics.fmean(distinct_n(texts[i], 2) for i in idx),
            "topic": statistics.fmean(topic[i] for i in idx),
        }
    base = out["neutral"]
    for condition, m in out.items():
        m.update({f"{k}_ratio": round(m[k] / base[k], 3) for k in ("perplexity", "distinct_2", "topic")})
        print(f"{condition:12s} " + "  ".join(f"{k} {v:.3f}" for k, v in m.items()))
    if args.out:
        args.out.write_text(
            json.dumps({"tokens": args.tokens, "rows": len(rows), "conditions": out}, indent=1) + "\n"
        )


if __name__ == "__main__":
    main()
