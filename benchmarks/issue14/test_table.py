"""Issue 14's test table from eval runs split over processes (lab helper, not part of the package).

Every run is an `emotive-agents eval --out DIR` on the same queries; one of them (`--base`) holds the
unsteered condition, and every ratio here is against it, as `run_eval` computes it in one process
(ratio of the condition's mean to the unsteered mean; target shift against the unsteered judge reading).

usage:
  test_table.py --base DIR --row "LABEL=DIR:METHOD:ALPHA" ... [--sweep "LABEL=DIR,DIR..."] ...
                [--json OUT.json] [--plot OUT.png]
METHOD is steering, prompting or prompt_steering; ALPHA is ignored for prompting. Prints markdown.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness")
STYLES = ("calm", "encouraging", "patient")
LIMITS = {"distinct_2": 0.9, "perplexity": 1.5, "topic_similarity": 0.85}


def load(run: str) -> list[dict[str, Any]]:
    return json.loads((Path(run) / "metrics.json").read_text())["results"]


def unsteered(results: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in results if r["condition"]["method"] == "unsteered")


def find(results: list[dict[str, Any]], method: str, emotion: str, alpha: float) -> dict[str, Any] | None:
    for r in results:
        c = r["condition"]
        if (
            c["method"] == method
            and c["emotion"] == emotion
            and (method == "prompting" or c["alpha"] == alpha)
        ):
            return r
    return None


def cell(r: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one condition, ratios against the shared unsteered run."""
    e = r["condition"]["emotion"]
    ratio = {k: r[k] / base[k] for k in LIMITS}
    out = {
        "method": r["condition"]["method"],
        "emotion": e,
        "alpha": r["condition"]["alpha"],
        "n": r["n"],
        "target_judge": r.get("target_judge", "emotion"),
        "top1": r["target_top1"],
        "top1_other_queries": r["target_top1_other_queries"],
        "target_probability": r["target_probability"],
        "distinct_2_ratio": ratio["distinct_2"],
        "perplexity_ratio": ratio["perplexity"],
        "topic_ratio": ratio["topic_similarity"],
    }
    if out["target_judge"] == "emotion":
        out["target_shift"] = r["target_probability"] - base["mean_probabilities"].get(e, 0.0)
    out["within_limits"] = (
        ratio["distinct_2"] >= LIMITS["distinct_2"]
        and ratio["perplexity"] <= LIMITS["perplexity"]
        and ratio["topic_similarity"] >= LIMITS["topic_similarity"]
    )
    return out


def f(x: float | None, k: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{k}f}"


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--row", action="append", default=[])
    ap.add_argument("--sweep", action="append", default=[])
    ap.add_argument("--json")
    ap.add_argument("--plot")
    args = ap.parse_args()
    base = unsteered(load(args.base))
    print(
        f"unsteered: n={base['n']} distinct-2 {base['distinct_2']:.3f}, perplexity {base['perplexity']:.2f}, "
        f"topic {base['topic_similarity']:.3f}; labels "
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(base["label_rates"].items(), key=lambda kv: -kv[1]))
    )
    dump: dict[str, Any] = {"unsteered": base, "rows": {}, "sweeps": {}}
    cols = [*EMOTIONS, *STYLES]
    print(
        "\n| row | " + " | ".join(cols) + " | mean top-1 (5 emotions) | distinct-2 × | perplexity × "
        "| topic × | emotions within all limits |"
    )
    print("| --- " * (len(cols) + 6) + "|")
    details: list[str] = []
    for spec in args.row:
        label, rest = spec.split("=", 1)
        run, method, alpha = rest.rsplit(":", 2)
        results = load(run)
        cells = {}
        for e in cols:
            r = find(results, method, e, float(alpha))
            if r is not None:
                cells[e] = cell(r, base)
        dump["rows"][label] = cells
        emo = [cells[e] for e in EMOTIONS if e in cells]
        tops = [f(cells[e]["top1"]) if e in cells else "–" for e in cols]
        d2 = mean([c["distinct_2_ratio"] for c in emo])
        ppl = mean([c["perplexity_ratio"] for c in emo])
        top = mean([c["topic_ratio"] for c in emo])
        ok = sum(c["within_limits"] for c in emo)
        print(
            f"| {label} | " + " | ".join(tops) + f" | **{f(mean([c['top1'] for c in emo]))}** | "
            f"{f(d2)} | {f(ppl)} | {f(top)} | {ok}/{len(emo)} |"
        )
        for e, c in cells.items():
            details.append(
                f"| {label} | {e} | {f(c['top1'])} | {f(c['top1_other_queries'])} | "
                f"{f(c['target_probability'])} "
                f"({'+' if c.get('target_shift', 0) >= 0 else ''}{f(c.get('target_shift'), 3)}) | "
                f"{f(c['distinct_2_ratio'])} | {f(c['perplexity_ratio'])} | {f(c['topic_ratio'])} | "
                f"{'' if c['within_limits'] else '✗'} |"
            )
    if details:
        print(
            "\n| row | emotion | top-1 | top-1, other queries | target prob (shift) | distinct-2 × "
            "| perplexity × | topic × | outside a limit |"
        )
        print("| --- " * 9 + "|")
        print("\n".join(details))
    for spec in args.sweep:
        label, runs = spec.split("=", 1)
        results = [r for run in runs.split(",") for r in load(run)]
        alphas = sorted(
            {r["condition"]["alpha"] for r in results if r["condition"]["method"] == "steering"} | {0.0}
        )
        sweep: dict[str, dict[str, Any]] = {}
        print(f"\nα sweep, {label} (top-1 / target prob / distinct-2 × / perplexity × / topic ×):\n")
        print("| emotion | " + " | ".join(f"α {a:g}" for a in alphas) + " | −1 lowers the target prob |")
        print("| --- " * (len(alphas) + 2) + "|")
        for e in [*EMOTIONS, *STYLES]:
            row: dict[str, Any] = {}
            for a in alphas:
                if a == 0.0:
                    if e in EMOTIONS:
                        row["0"] = {
                            "top1": base["label_rates"].get(e, 0.0),
                            "target_probability": base["mean_probabilities"].get(e, 0.0),
                            "distinct_2_ratio": 1.0,
                            "perplexity_ratio": 1.0,
                            "topic_ratio": 1.0,
                        }
                    continue
                r = find(results, "steering", e, a)
                if r is not None:
                    row[f"{a:g}"] = cell(r, base)
            if len(row) <= 1:
                continue
            sweep[e] = row
            parts = []
            for a in alphas:
                c = row.get(f"{a:g}")
                parts.append(
                    "–"
                    if c is None
                    else f"{f(c['top1'])} / {f(c['target_probability'])} / "
                    f"{f(c['distinct_2_ratio'])} / {f(c['perplexity_ratio'])} / {f(c['topic_ratio'])}"
                )
            lowers = "–"
            if "-1" in row and "0" in row:
                lowers = (
                    "yes" if row["-1"]["target_probability"] < row["0"]["target_probability"] else "**no**"
                )
            print(f"| {e} | " + " | ".join(parts) + f" | {lowers} |")
        dump["sweeps"][label] = sweep
        if args.plot:
            plot(sweep, label, args.plot)
    if args.json:
        Path(args.json).write_text(json.dumps(dump, indent=1))


def plot(sweep: dict[str, dict[str, Any]], label: str, out: str) -> None:
    """Top-1 and target probability against α per emotion, and the fluency ratios against α."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colours = dict(zip(EMOTIONS, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    for e, row in sweep.items():
        if e not in EMOTIONS:
            continue
        c = colours.get(e)
        alphas = sorted(float(a) for a in row)
        keys = [f"{a:g}" for a in alphas]
        axes[0].plot(alphas, [row[k]["top1"] for k in keys], marker="o", color=c, label=e)
        axes[1].plot(alphas, [row[k]["target_probability"] for k in keys], marker="o", color=c, label=e)
        axes[2].plot(
            alphas, [row[k]["perplexity_ratio"] for k in keys], marker="o", color=c, label=f"{e} perplexity ×"
        )
        axes[2].plot(
            alphas, [row[k]["topic_ratio"] for k in keys], marker="x", ls="--", color=c, label=f"{e} topic ×"
        )
    axes[0].set(title=f"{label}: target top-1", xlabel="intensity α", ylim=(-0.02, 1.02))
    axes[1].set(title="target probability (judge)", xlabel="intensity α")
    axes[2].set(title="perplexity × (solid), topic × (dashed)", xlabel="intensity α", yscale="log")
    axes[2].axhline(1.5, color="grey", lw=0.8)
    axes[2].axhline(0.85, color="grey", lw=0.8, ls="--")
    axes[0].legend()
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
