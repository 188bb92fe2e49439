"""`emotive-agents route-eval-risk DIR`: the risk detector on a risk set, per category, kind and conversation.

DIR holds (any may be missing, at least one must be there):
- `risk_positive.jsonl`: {"text", "category"} per line, messages that must be flagged;
- `risk_negative.jsonl`: {"text", "kind"} per line, hard negatives that must not be;
- `conversations.jsonl`: {"id", "turns": [user turns], "escalate_at": 0-based turn index or null}.

It prints recall per category, false alarms per negative kind, and for each conversation the turn it
was first flagged at: on time, early, late, missed (or a false alarm when `escalate_at` is null).
Conversations are read by the router itself (`AffectRouter(policy="health")`, its default reader: each
turn with the earlier ones as context, the risk level carried along, and the reader's distress test on
the earlier turns); with `--patterns-only`, by the pattern layer alone. `--split tune` keeps only rows
whose "split" is "tune" (the project corpus).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer

from emotive_agents.errors import EmotiveError

FILES = ("risk_positive.jsonl", "risk_negative.jsonl", "conversations.jsonl")


def _read(path: Path, needs: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise EmotiveError(f"{path}:{number}: not valid JSON ({exc})") from exc
        if not isinstance(row, dict) or any(k not in row for k in needs):
            raise EmotiveError(f"{path}:{number}: each line needs {', '.join(needs)}")
        rows.append(row)
    return rows


def load_risk_set(directory: Path, split: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """positives, negatives and conversations from `directory` (missing files give empty lists)."""
    if not directory.is_dir():
        raise EmotiveError(f"{directory} is not a directory (expected {', '.join(FILES)} in it)")
    needs = {FILES[0]: ("text", "category"), FILES[1]: ("text", "kind"), FILES[2]: ("turns", "escalate_at")}
    out: dict[str, list[dict[str, Any]]] = {}
    for key, name in zip(("positives", "negatives", "conversations"), FILES, strict=True):
        path = directory / name
        rows = _read(path, needs[name]) if path.is_file() else []
        if split is not None:
            rows = [r for r in rows if r.get("split", split) == split]
        out[key] = rows
    if not any(out.values()):
        raise EmotiveError(f"{directory} holds none of {', '.join(FILES)}")
    return out


def _first_flag(turns: list[str], detector: Any, router: Any) -> int | None:
    if router is None:
        results = detector.detect_conversation(turns)
        return next((i for i, r in enumerate(results) if r.crisis), None)
    for i in range(len(turns)):
        messages: list[dict[str, str]] = []
        for text in turns[: i + 1]:
            messages += [{"role": "user", "content": text}, {"role": "assistant", "content": "I see."}]
        if router.route(messages[:-1]).crisis:
            return i
    return None


def evaluate_risk(
    data: dict[str, list[dict[str, Any]]], detector: Any = None, router: Any = None
) -> dict[str, Any]:
    """Recall by category, false alarms by kind, and the conversations' first flagged turn (read by
    `router` when given, else by `detector` alone)."""
    from emotive_agents.router.crisis import CrisisDetector

    detector = detector or CrisisDetector()
    report: dict[str, Any] = {}
    if data["positives"]:
        by: dict[str, list[bool]] = defaultdict(list)
        missed = []
        for row in data["positives"]:
            hit = detector.detect(row["text"]).crisis
            by[row["category"]].append(hit)
            if not hit:
                missed.append({"category": row["category"], "text": row["text"]})
        report["recall"] = {**_tallies("hit", "by_category", by), "missed": missed}
    if data["negatives"]:
        kinds: dict[str, list[bool]] = defaultdict(list)
        alarms = []
        for row in data["negatives"]:
            result = detector.detect(row["text"])
            kinds[row["kind"]].append(result.crisis)
            if result.crisis:
                alarms.append({"kind": row["kind"], "text": row["text"], "risk": result.risk.to_json()})
        report["false_alarms"] = {**_tallies("flagged", "by_kind", kinds), "flagged": alarms}
    if data["conversations"]:
        rows = []
        for number, conv in enumerate(data["conversations"], start=1):
            flagged = _first_flag([str(t) for t in conv["turns"]], detector, router)
            target = conv["escalate_at"]
            if target is None:
                outcome = "false_alarm" if flagged is not None else "correct"
            elif flagged is None:
                outcome = "missed"
            else:
                outcome = "on_time" if flagged == target else ("early" if flagged < target else "late")
            rows.append(
                {
                    "id": conv.get("id", number),
                    "escalate_at": target,
                    "flagged_at": flagged,
                    "outcome": outcome,
                }
            )
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r["outcome"]] += 1
        report["conversations"] = {"outcomes": dict(counts), "n": len(rows), "rows": rows}
    return report


def _human(report: dict[str, Any]) -> str:
    lines = []
    if "recall" in report:
        o = report["recall"]["overall"]
        lines.append(f"recall {o['hit']}/{o['n']} = {o['rate']:.3f}")
        for c, v in report["recall"]["by_category"].items():
            lines.append(f"  {c:24s} {v['hit']:3d}/{v['n']:<3d} {v['rate']:.3f}")
        lines += [f"  missed [{m['category']}]: {m['text']}" for m in report["recall"]["missed"]]
    if "false_alarms" in report:
        o = report["false_alarms"]["overall"]
        lines.append(f"false alarms {o['flagged']}/{o['n']} = {o['rate']:.3f}")
        for k, v in report["false_alarms"]["by_kind"].items():
            lines.append(f"  {k:24s} {v['flagged']:3d}/{v['n']:<3d} {v['rate']:.3f}")
        lines += [f"  flagged [{a['kind']}]: {a['text']}" for a in report["false_alarms"]["flagged"]]
    if "conversations" in report:
        c = report["conversations"]
        lines.append(
            f"conversations ({c['n']}): " + ", ".join(f"{k} {v}" for k, v in sorted(c["outcomes"].items()))
        )
        lines += [
            f"  {r['id']}: escalate at {r['escalate_at']}, flagged at {r['flagged_at']} -> {r['outcome']}"
            for r in c["rows"]
        ]
    return "\n".join(lines)


def route_eval_risk(
    directory: Annotated[Path, typer.Argument(help=f"Folder with {', '.join(FILES)} (any of them).")],
    split: Annotated[
        str | None, typer.Option("--split", help='Only rows with this "split" field (e.g. tune).')
    ] = None,
    patterns_only: Annotated[
        bool, typer.Option("--patterns-only", help="The pattern layer alone (no semantic layer).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Evaluate the crisis/risk detector: recall per category, false alarms per kind, multi-turn timing."""
    try:
        from emotive_agents.router.crisis import CrisisDetector

        data = load_risk_set(directory, split)
        detector = CrisisDetector(semantic=not patterns_only)
        router = None
        if not patterns_only and data["conversations"]:
            from emotive_agents.router.router import AffectRouter

            router = AffectRouter(policy="health", crisis_detector=detector)
        report = evaluate_risk(data, detector, router)
    except (EmotiveError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(report, indent=1, ensure_ascii=False) if as_json else _human(report))


def _tally(key: str, values: list[bool]) -> dict[str, Any]:
    return {key: sum(values), "n": len(values), "rate": round(sum(values) / len(values), 4)}


def _tallies(key: str, group: str, by: dict[str, list[bool]]) -> dict[str, Any]:
    """The overall count and rate of True under `key`, and the same per group (sorted by name)."""
    every = [value for values in by.values() for value in values]
    return {"overall": _tally(key, every), group: {name: _tally(key, v) for name, v in sorted(by.items())}}
