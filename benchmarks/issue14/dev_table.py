"""Markdown rows of recipe_search results (sixth pass): top-1, target prob, ratios to the unsteered base.

usage: dev_table.py BASE.json RUN.json... [--rule]
With --rule, also the largest alpha of each (run, style) inside all three fluency limits
(distinct-2 >= 0.9x, perplexity <= 1.5x, topic >= 0.85x), the fluency-constrained choice.
"""

import json
import sys
from pathlib import Path

LIMITS = {"d2": (0.9, ">="), "ppl": (1.5, "<="), "topic": (0.85, ">=")}


def ratios(m: dict, base: dict) -> dict[str, float]:
    return {
        "d2": m["distinct_2"] / base["distinct_2"],
        "ppl": m["perplexity"] / base["perplexity"],
        "topic": m["topic_similarity"] / base["topic_similarity"],
    }


def ok(name: str, value: float) -> bool:
    limit, sign = LIMITS[name]
    return value >= limit if sign == ">=" else value <= limit


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    base = json.loads(Path(args[0]).read_text())["results"][0]
    best: dict[tuple[str, str], tuple[float, float]] = {}
    print("| run | style | α | top-1 | target prob | distinct-2 × | perplexity × | topic × |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in args[1:]:
        run = json.loads(Path(path).read_text())
        for m in run["results"]:
            c = m["condition"]
            if c["method"] != "steering":
                continue
            r = ratios(m, base)
            cells = [f"{r[k]:.2f}" + ("" if ok(k, r[k]) else " ✗") for k in ("d2", "ppl", "topic")]
            tp = m.get("target_probability") or 0.0
            print(
                f"| {run['name']} | {c['emotion']} | {c['alpha']:g} | {m['target_top1']:.2f} | {tp:.2f} | "
                + " | ".join(cells)
                + " |"
            )
            if all(ok(k, r[k]) for k in r):
                key = (run["name"], c["emotion"])
                if key not in best or c["alpha"] > best[key][0]:
                    best[key] = (c["alpha"], m["target_top1"])
    if "--rule" in sys.argv:
        print("\nlargest alpha inside all three limits:")
        for (name, style), (alpha, top1) in sorted(best.items()):
            print(f"  {name} {style}: alpha {alpha:g}, top-1 {top1:.2f}")


if __name__ == "__main__":
    main()
