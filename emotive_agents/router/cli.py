"""`emotive-agents route`: the affect router's decision for a message (or every line of a JSONL file).

Heavy imports (torch, transformers, langchain) happen inside the command, so `--help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from emotive_agents.cli_options import fail as _fail
from emotive_agents.errors import EmotiveError

POLICY_HELP = (
    "Shipped policy (tutor, health, support) or a YAML/JSON policy file (its emotions must be in the "
    "embedded model's vector set)."
)


def read_history(path: Path) -> list[dict[str, str]]:
    """Earlier turns: a JSON list (or JSONL lines) of {"role": ..., "content": ...} objects."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EmotiveError(f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text)
        rows = data if isinstance(data, list) else [data]
    except ValueError:
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise EmotiveError(f"{path}: neither a JSON list nor JSONL ({exc})") from exc
    out = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("content"), str):
            raise EmotiveError(f'{path}: message {number} needs "role" and a "content" string')
        out.append({"role": str(row.get("role", "user")), "content": row["content"]})
    return out


def read_messages_file(path: Path) -> list[str]:
    """The `text` field of every non-empty JSONL line, in order."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EmotiveError(f"cannot read {path}: {exc}") from exc
    texts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise EmotiveError(f"{path}:{number}: not valid JSON ({exc})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise EmotiveError(f'{path}:{number}: each line needs a "text" string')
        texts.append(row["text"])
    if not texts:
        raise EmotiveError(f"{path} holds no messages")
    return texts


def checked_policy(policy: str) -> Any:
    """A shipped name as is; a policy file loaded and refused if it names an emotion the embedded
    model's shipped vector set lacks (the mixes `route` prints are for that set)."""
    from emotive_agents.router.policy import SHIPPED_POLICIES, load_policy

    if policy in SHIPPED_POLICIES:
        return policy
    from emotive_agents.models.loading import DEFAULT_MODEL
    from emotive_agents.vectors.store import SHIPPED_DEFAULTS, load_vector_set

    emotions = load_vector_set(SHIPPED_DEFAULTS[DEFAULT_MODEL]).emotions
    return load_policy(policy, emotions=emotions)


def _human(decision: Any) -> str:
    risk = decision.risk
    lines = [
        f"label: {decision.label}   crisis: {decision.crisis}"
        + (
            f"   risk: {risk.category} {risk.score:.2f} ({', '.join(risk.detectors)})"
            if decision.crisis
            else ""
        ),
        "mix: " + (", ".join(f"{k}={v:+.2f}" for k, v in decision.mix.items()) or "(unsteered)"),
        f"why: {decision.rationale}",
    ]
    if decision.escalation:
        lines.append(f"escalation message: {decision.escalation}")
    return "\n".join(lines)


def route(
    message: Annotated[str | None, typer.Argument(help="The user's message.")] = None,
    policy: Annotated[str, typer.Option("--policy", "-p", help=POLICY_HELP)] = "support",
    history: Annotated[
        Path | None, typer.Option("--history", help='Earlier turns: JSON list / JSONL of {"role","content"}.')
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help='JSONL with a "text" field per line; one decision per line.')
    ] = None,
    classifier: Annotated[
        str | None,
        typer.Option("--classifier", help="ensemble, minilm, exemplars, vader (default: ensemble)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per decision.")] = False,
) -> None:
    """Read the user's affect and print the emotion mix the policy picks (and whether it is a crisis)."""
    if (message is None) == (file is None):
        _fail("give either MESSAGE or --file")
    if file is not None and history is not None:
        _fail("--history applies to a single MESSAGE, not to --file")
    try:
        from emotive_agents.router.router import AffectRouter

        router = AffectRouter(policy=checked_policy(policy), classifier=classifier)
        if file is not None:
            texts = read_messages_file(file)
            router.read(texts)  # one batch; the models load once
            decisions = [router.route(text) for text in texts]
        else:
            turns = read_history(history) if history is not None else []
            decisions = [router.route([*turns, {"role": "user", "content": message or ""}])]
    except (EmotiveError, ValueError) as exc:
        _fail(str(exc))
    for decision in decisions:
        typer.echo(json.dumps(decision.to_json(), ensure_ascii=False) if as_json else _human(decision))


def route_eval_shift(
    file: Annotated[
        Path,
        typer.Argument(help='JSONL conversations: {"id","domain","turns","shift_turn","shift_to","kind"}.'),
    ],
    policy: Annotated[
        str | None, typer.Option("--policy", "-p", help="One policy for all (default: the domain's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Score how often the router follows a clear mood shift, and how often controls stay gentle."""
    try:
        from emotive_agents.router.shift_eval import evaluate, load_conversations

        report = evaluate(load_conversations(file), policy=policy)
    except (EmotiveError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report, indent=1, ensure_ascii=False))
        return
    summary = report["summary"]
    keys = ("follows", "label_follows", "rule_follows", "detected", "controls_gentle", "steady_no_shift")
    for key in (*keys, "crisis_at_scored_turn", "follows_without_crisis"):
        if key in summary:
            s = summary[key]
            typer.echo(f"{key}: {s['hits']}/{s['n']} ({s['rate']})")
    for name, group in summary["by_policy"].items():
        f, g = group["follows"], group["controls_gentle"]
        typer.echo(f"  {name}: follows {f['hits']}/{f['n']}, controls gentle {g['hits']}/{g['n']}")
    for row in report["conversations"]:
        ok = row.get("follows", row.get("gentle", row.get("no_shift")))
        typer.echo(
            f"  {'ok ' if ok else 'MISS'} {row['id']}: {row['kind']} -> {row['target']}; "
            f"label {row['label']}, rule {row['rule']!r}, shift {row['shift']}"
            + (f" [{row['miss_cause']}]" if row.get("miss_cause") else "")
        )


def register(app: typer.Typer) -> None:
    """Add the `route`, `route-eval-risk` and `route-eval-shift` commands to the main CLI."""
    from emotive_agents.router.risk_eval import route_eval_risk

    app.command("route")(route)
    app.command("route-eval-risk")(route_eval_risk)
    app.command("route-eval-shift")(route_eval_shift)
