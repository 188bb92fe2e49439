"""Lab script: read every reply in the corpus with the project's judges and report the share read as target.

Emotions (joy, anger, disgust, fear, sadness) use the eval harness's rule: top-1 of the emotion judge.
Neutral rows pass when the judge's top-1 is not one of the five emotions (neutral or surprise).
Styles (calm, encouraging, patient) use the style judge's top-1 when it is available (--styles).

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python benchmarks/validate_corpus.py [--corpus FILE] [--out FILE]
        [--styles] [--failures]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from emotive_agents.vectors.corpus import DEFAULT_REPLIES, EMOTIONS, STYLES, load_replies


def _top(probabilities: dict[str, float]) -> str:
    return max(probabilities, key=probabilities.__getitem__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_REPLIES)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON summary here too")
    parser.add_argument("--styles", action="store_true", help="also score calm/encouraging/patient rows")
    parser.add_argument("--failures", action="store_true", help="list every row not read as its target")
    args = parser.parse_args()

    from emotive_agents.evaluation.judge import EmotionJudge

    rows = load_replies(args.corpus).rows
    judge = EmotionJudge()
    readings = judge.score([r.response for r in rows])
    summary: dict[str, dict[str, object]] = {}
    failures: list[dict[str, object]] = []
    for condition in ("neutral", *EMOTIONS, *STYLES):
        idx = [i for i, r in enumerate(rows) if r.emotion == condition]
        if not idx:
            continue
        tops = [_top(dict(readings[i].probabilities)) for i in idx]
        if condition == "neutral":
            hits = [t not in EMOTIONS for t in tops]
        elif condition in EMOTIONS:
            hits = [t == condition for t in tops]
        else:
            hits = []
        entry: dict[str, object] = {"n": len(idx), "judge_top1_rates": dict(Counter(tops).most_common())}
        if hits:
            entry["share_read_as_target"] = round(sum(hits) / len(hits), 3)
            failures += [
                {"condition": condition, "query": rows[i].query, "read_as": t, "response": rows[i].response}
                for i, t, ok in zip(idx, tops, hits, strict=True)
                if not ok
            ]
        summary[condition] = entry
    if args.styles:
        from emotive_agents.evaluation.style_judge import StyleJudge

        style_judge = StyleJudge()
        for style in STYLES:
            idx = [i for i, r in enumerate(rows) if r.emotion == style]
            if not idx:
                continue
            tops = [_top(p) for p in style_judge.probabilities([rows[i].response for i in idx])]
            summary[style]["style_top1_rates"] = dict(Counter(tops).most_common())
            summary[style]["share_read_as_target"] = round(sum(t == style for t in tops) / len(tops), 3)
            failures += [
                {"condition": style, "query": rows[i].query, "read_as": t, "response": rows[i].response}
                for i, t in zip(idx, tops, strict=True)
                if t != style
            ]
    result = {
        "corpus": str(args.corpus),
        "rows": len(rows),
        "queries": len({r.query for r in rows}),
        "judge": judge.describe(),
        "conditions": summary,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.failures:
        for f in failures:
            print(f"FAIL {f['condition']} -> {f['read_as']}: {f['query']} | {f['response']}")
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
