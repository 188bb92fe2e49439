"""On-topic style targets (sixth pass): the model's own answer with style markers at several points.

The fifth pass' calm vector (opener + own first sentence + closer, on the 64 everyday corpus queries)
read as sympathy on the emotional EmotionQuery+ queries. Here the middle is the model's OWN greedy
unsteered answer (its first 2-3 sentences), and short style markers go before it, between its sentences
and after it, so the tone is carried through the reply rather than only at its ends. The queries are the
64 corpus queries plus EmotionQuery+ queries that are in neither the dev nor the test split (the 270
left over by make-splits), so the training sees the kind of question the evaluation asks without ever
seeing an evaluation query. The neutral row of each query is the own answer alone (for contrast terms).

usage: style_corpus.py OUT.jsonl --dev DEV.json --test TEST.json [--per-block 8] [--own-tokens 64]
       [--styles calm,encouraging,patient] [--seed 6] [--cache ANSWERS.json] [--drop-apology]
--drop-apology leaves the own answer's apology sentences and chatbot refusals out of every row (the
neutral one too), so the target tone replaces the sympathy the model opens emotional questions with.
Writes JSONL {query, emotion, response, domain}; prints how many queries of each kind.
"""

import argparse
import itertools
import json
import os
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from template_corpus import own_answers, sentences

from emotive_agents.vectors.corpus import DEFAULT_REPLIES, NEUTRAL, load_replies
from emotive_agents.vectors.queries import EMOTION_QUERY_PLUS_BLOCKS, label_blocks, load_queries

EQ = "/work/shared/data/emotionquery/EmotionQuery+.json"

# Short, topic-free markers of each style: (openers, middles, closers).
MARKERS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "calm": (
        [
            "Let's take a slow breath first.",
            "Take a breath; there's no rush here.",
            "It's okay. Let's look at this calmly.",
            "Let's slow down and take this gently.",
            "There's no hurry, so let's go through it calmly.",
            "Breathe easy for a moment.",
        ],
        [
            "Take your time with that.",
            "There's no need to rush.",
            "It's okay to let that settle.",
            "Breathe slowly for a moment.",
            "Nothing has to be solved right now.",
            "Let it settle calmly.",
        ],
        [
            "Take it slowly, one thing at a time.",
            "Breathe, and let it settle for now.",
            "Go at your own pace; it will ease.",
            "For now, just rest and take it calmly.",
            "There's time, so take it steadily.",
            "Stay calm and steady; it will pass.",
        ],
    ),
    "encouraging": (
        [
            "That's a great question to ask!",
            "You're on the right track!",
            "Good for you for thinking about this!",
            "You can absolutely handle this!",
            "What a great start!",
            "I believe in you here!",
        ],
        [
            "You can do this!",
            "Keep going, you're doing well.",
            "That's real progress!",
            "You're more capable than you think.",
            "You've got the strength for it.",
            "Every step counts!",
        ],
        [
            "You've got this!",
            "Keep at it, you'll get there!",
            "I'm proud of you for taking this on!",
            "Go for it, you're stronger than you think!",
            "Keep going, great things are ahead!",
            "You'll do great!",
        ],
    ),
    "patient": (
        [
            "Let's take it one step at a time.",
            "Good question, and we can go through it slowly.",
            "No problem, let's walk through it together.",
            "Of course, let's start with the first part.",
            "Take your time; we'll go step by step.",
            "That's completely fine to ask, so let's go slowly.",
        ],
        [
            "Then, when that feels clear, the next part.",
            "It's fine to read that again.",
            "Next, one more piece.",
            "We can go over that part again if you'd like.",
            "After that, we'll take the next step.",
            "Let's pause there before we go on.",
        ],
        [
            "Does that help? I'm happy to explain it again.",
            "Let me know which part to go over again.",
            "We can take the next step whenever you're ready.",
            "Tell me if any part is still confusing; that's fine.",
            "I'm happy to walk through it again another way.",
            "Would you like to go over any part once more?",
        ],
    ),
}


def styled(answer_sentences: list[str], style: str, rng: random.Random) -> str:
    """opener + s1 + middle + s2 [+ middle + s3] + closer."""
    openers, middles, closers = MARKERS[style]
    mids = rng.sample(middles, 2)
    out = [rng.choice(openers)]
    for k, s in enumerate(answer_sentences):
        if k > 0:
            out.append(mids[k - 1])
        out.append(s)
    out.append(rng.choice(closers))
    return " ".join(out)


def merged(parts: list[str], min_words: int = 4) -> list[str]:
    """Sentences with fragments ("St." splits, "1.") joined back onto the one before."""
    out: list[str] = []
    for s in parts:
        if out and len(s.split()) < min_words:
            out[-1] += " " + s
        else:
            out.append(s)
    return out


APOLOGY = re.compile(
    r"^(?:I'm|I am|I’m) (?:so |deeply |truly )?(?:sorry|saddened)|as a (?:chatbot|customer service AI)", re.I
)


def without_apology(parts: list[str]) -> list[str]:
    """The own answer's sentences less its apologies and chatbot refusals (read as sadness, not calm)."""
    return [s for s in parts if not APOLOGY.search(s)]


def usable(parts: list[str], min_distinct: float) -> bool:
    """An own answer fit to carry markers: prose (no list or newline), not a loop, not a fragment."""
    text = " ".join(parts)
    words = text.split()
    pairs = list(itertools.pairwise(words))
    distinct = len(set(pairs)) / max(1, len(pairs))
    return (
        bool(parts) and "\n" not in text and "**" not in text and len(words) >= 8 and distinct >= min_distinct
    )


def training_queries(dev: str, test: str, per_block: int, seed: int) -> list[tuple[str, str | None]]:
    """(query, domain): the corpus queries, then EmotionQuery+ queries (domain None) outside both splits."""
    corpus = load_replies(DEFAULT_REPLIES)
    out = [(r.query, r.domain) for r in corpus.replies(NEUTRAL)]
    used = {q["text"] for f in (dev, test) for q in json.loads(Path(f).read_text())["queries"]}
    labelled = label_blocks(list(load_queries(EQ)), EMOTION_QUERY_PLUS_BLOCKS)
    start = 0
    for name, size in EMOTION_QUERY_PLUS_BLOCKS:
        block = [q for q in labelled[start : start + size] if q.text not in used]
        start += size
        n = per_block * (3 if name == "neutral" else 1)
        for q in random.Random(f"{seed}:{name}").sample(block, min(n, len(block))):
            out.append((q.text, None))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--dev", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--per-block", type=int, default=8)
    p.add_argument("--own-tokens", type=int, default=64)
    p.add_argument("--sentences", type=int, default=3)
    p.add_argument("--styles", default="calm,encouraging,patient")
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--min-distinct", type=float, default=0.8, help="drop own answers that loop (distinct-2)")
    p.add_argument("--drop-apology", action="store_true", help="leave out apology sentences (calm variant)")
    p.add_argument("--cache", default=None, help="JSON file of own answers (written on first run)")
    a = p.parse_args()
    queries = training_queries(a.dev, a.test, a.per_block, a.seed)
    cache = json.loads(Path(a.cache).read_text()) if a.cache and os.path.exists(a.cache) else {}
    todo = [q for q, _ in queries if q not in cache]
    if todo:
        cache.update(own_answers(todo, a.own_tokens))
        if a.cache:
            Path(a.cache).write_text(json.dumps(cache, indent=1, ensure_ascii=False))
    rows, dropped = [], 0
    for q, domain in queries:
        parts = merged(sentences(cache[q]))
        parts = (without_apology(parts) if a.drop_apology else parts)[: a.sentences]
        if not usable(parts, a.min_distinct):
            dropped += 1
            continue
        rows.append({"query": q, "emotion": NEUTRAL, "response": " ".join(parts), "domain": domain})
        for style in a.styles.split(","):
            rng = random.Random(f"{a.seed}:{style}:{q}")
            rows.append(
                {"query": q, "emotion": style, "response": styled(parts, style, rng), "domain": domain}
            )
    with open(a.out, "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    kept = {r["query"]: r["domain"] for r in rows}
    eq = sum(d is None for d in kept.values())
    print(
        f"wrote {len(rows)} rows ({len(kept) - eq} corpus + {eq} EmotionQuery+ queries; "
        f"{dropped} dropped) to {a.out}"
    )


if __name__ == "__main__":
    main()
