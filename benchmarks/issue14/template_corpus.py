"""Template replies built from the reply corpus (fourth pass), mirroring the issue's scratch prototype.

The prototype that moved anger (0.90) and disgust (0.80) trained on "<emotional opener> <first sentence
of the neutral answer> <emotional closer>". Here the opener and closer are the corpus reply's own first
and last sentences (on-topic, written per query), and the middle is either the corpus' neutral reply's
first sentence (`--middle corpus`) or the first sentence(s) of the model's OWN greedy unsteered answer
(`--middle own`), so that the only thing the model does not already write is the tone.

usage: template_corpus.py OUT.jsonl [--middle own|corpus] [--no-closer] [--own-tokens 48]
The neutral row of each query is the middle alone. Writes JSONL {query, emotion, response, domain}.
"""

import argparse
import json
import re

from emotive_agents.vectors.corpus import DEFAULT_REPLIES, NEUTRAL, load_replies

_SENT = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s for s in _SENT.split(text.strip()) if s]


def first_sentences(text: str, min_words: int = 8) -> str:
    """The first sentence, or the first two when the first is very short."""
    parts = sentences(text)
    if not parts:
        return text.strip()
    out = parts[0]
    if len(out.split()) < min_words and len(parts) > 1:
        out += " " + parts[1]
    return out


def own_answers(queries: list[str], tokens: int) -> dict[str, str]:
    """The model's own greedy unsteered replies (trimmed to whole sentences)."""
    import torch

    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.generation.types import GenerationRequest

    torch.set_num_threads(1)
    engine = EmotiveEngine.load()
    requests = [
        GenerationRequest.build([{"role": "user", "content": q}], max_new_tokens=tokens, trim_to_sentence=True)
        for q in queries
    ]
    out: list[str] = []
    size = engine.generator.max_batch_size
    for start in range(0, len(requests), size):
        out += [r.text for r in engine.generate_batch(requests[start : start + size])]
    return dict(zip(queries, out, strict=True))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--middle", choices=("own", "corpus"), default="own")
    p.add_argument("--no-closer", action="store_true")
    p.add_argument("--own-tokens", type=int, default=48)
    a = p.parse_args()
    corpus = load_replies(DEFAULT_REPLIES)
    queries = corpus.queries
    neutral = {r.query: r for r in corpus.replies(NEUTRAL)}
    if a.middle == "own":
        answers = own_answers(queries, a.own_tokens)
        middle = {q: first_sentences(answers[q]) for q in queries}
    else:
        middle = {q: first_sentences(neutral[q].response) for q in queries}
    rows = []
    for q in queries:
        domain = neutral[q].domain
        rows.append({"query": q, "emotion": NEUTRAL, "response": middle[q], "domain": domain})
        for r in corpus.rows:
            if r.query != q or r.emotion == NEUTRAL:
                continue
            parts = sentences(r.response)
            text = parts[0] + " " + middle[q]
            if not a.no_closer and len(parts) > 1:
                text += " " + parts[-1]
            rows.append({"query": q, "emotion": r.emotion, "response": text, "domain": domain})
    with open(a.out, "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows ({len(queries)} queries) to {a.out}")


if __name__ == "__main__":
    main()
