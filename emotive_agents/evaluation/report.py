"""Write an evaluation as metrics.json, report.md and PNG plots."""

from __future__ import annotations

import json
import math
from pathlib import Path

from emotive_agents.evaluation.harness import ConditionMetrics, EvalReport


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _row(m: ConditionMetrics) -> str:
    c = m.condition
    name = c.method if c.method == "unsteered" else f"{c.method} {c.emotion}"
    alpha = _fmt(c.alpha, 1) if c.method in ("steering", "prompt_steering") else "–"
    return (
        f"| {name} | {alpha} | {_fmt(m.target_top1, 2)} | {_fmt(m.target_top1_other_queries, 2)} | "
        f"{_fmt(m.target_probability)} | "
        f"{_fmt(m.target_probability_shift)} | {_fmt(m.distinct_2)} ({_fmt(m.distinct_2_ratio, 2)}×) | "
        f"{_fmt(m.perplexity, 1)} ({_fmt(m.perplexity_ratio, 2)}×) | "
        f"{_fmt(m.topic_similarity)} ({_fmt(m.topic_similarity_ratio, 2)}×) | {_fmt(m.valence, 2)} |"
    )


def markdown(report: EvalReport) -> str:
    lines = [
        f"# Evaluation: {report.model} with vectors {report.vectors or '(none)'}",
        "",
        f"{report.queries} queries, alphas {list(report.config.alphas)}, "
        f"{report.config.max_new_tokens} new tokens, greedy.",
        "",
    ]
    if report.judge:
        lines += ["## Judge", ""]
        style = report.judge.get("style_judge")
        if isinstance(style, dict):
            check = style.get("check_set") or {}
            measured = f"n={check.get('n', '–')}, {check.get('date', 'not measured')}"
            lines += [
                "Styles (calm, encouraging, patient) are scored by the style judge; its check-set "
                f"accuracy: {_fmt(check.get('accuracy'), 2)} ({measured}).",
                "",
            ]
        lines += ["```json", json.dumps(report.judge, indent=2), "```", ""]
    lines += [
        "## Results",
        "",
        "| condition | α | target top-1 | top-1, other queries | target prob | shift vs unsteered "
        "| distinct-2 | perplexity | topic sim | valence |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_row(m) for m in report.results),
        "",
        "## Samples",
        "",
    ]
    for s in report.samples:
        c = s.condition
        tag = c.method if c.method == "unsteered" else f"{c.method} {c.emotion} α={c.alpha:g}"
        response = s.response.strip().replace("\n", " ")
        lines.append(f"- **{tag}** (judge: {s.label}) — *{s.query}* → {response}")
    return "\n".join(lines) + "\n"


def plot(report: EvalReport, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not report.config.steering or not report.config.unsteered:
        return []
    base = report.find("unsteered")
    alphas = sorted({*report.config.alphas, 0.0})
    paths = []
    fig, (ax_prob, ax_top1) = plt.subplots(1, 2, figsize=(11, 4))
    fig_f, (ax_d2, ax_ppl) = plt.subplots(1, 2, figsize=(11, 4))
    for emotion in report.config.emotions:
        points = []
        for alpha in alphas:
            m = base if alpha == 0 else report.find("steering", emotion, alpha)
            prob = base.mean_probabilities.get(emotion, 0.0) if alpha == 0 else m.target_probability
            top1 = base.label_rates.get(emotion, 0.0) if alpha == 0 else m.target_top1
            nan = float("nan")
            points.append(
                (
                    alpha,
                    nan if prob is None else prob,
                    nan if top1 is None else top1,
                    m.distinct_2,
                    m.perplexity,
                )
            )
        xs = [p[0] for p in points]
        ax_prob.plot(xs, [p[1] for p in points], marker="o", label=emotion)
        ax_top1.plot(xs, [p[2] for p in points], marker="o", label=emotion)
        ax_d2.plot(xs, [p[3] for p in points], marker="o", label=emotion)
        ax_ppl.plot(xs, [p[4] for p in points], marker="o", label=emotion)
    for ax, title in (
        (ax_prob, "judge probability of the target emotion"),
        (ax_top1, "target emotion top-1 rate"),
        (ax_d2, "distinct-2 (higher: less repetition)"),
        (ax_ppl, "perplexity under the unsteered model"),
    ):
        ax.set_xlabel("α (intensity)")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    figures = [(fig_f, "fluency_vs_alpha.png")]
    if base.mean_probabilities:  # judged runs only
        figures.insert(0, (fig, "emotion_vs_alpha.png"))
    else:
        plt.close(fig)
    for figure, name in figures:
        figure.tight_layout()
        path = out / name
        figure.savefig(path, dpi=110)
        plt.close(figure)
        paths.append(path)
    return paths


def write_report(report: EvalReport, out: str | Path) -> list[Path]:
    """metrics.json (everything), report.md (tables and samples), and the plots."""
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "metrics.json").write_text(report.model_dump_json(indent=2) + "\n")
    (directory / "report.md").write_text(markdown(report))
    return [directory / "metrics.json", directory / "report.md", *plot(report, directory)]
