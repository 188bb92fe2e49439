"""Does the router follow a clear change of mood, and stay gentle after distress? Scored on conversations.

    emotive-agents route-eval-shift CONVERSATIONS.jsonl [--policy NAME] [--json]

Each JSONL line: {"id", "domain", "turns": [user texts], "shift_turn": 0-based index of the turn to
score (null: the last turn, as for controls), "shift_to": the new mood's label (null for controls),
"kind": "shift" | "control" (| "steady")}; other fields (a "note") are ignored. Every
conversation is replayed as the router sees it (stateless: the user turns up to `shift_turn`), under
the shipped policy of its domain (health, support, tutor) unless `--policy` names one for all.

- shift: the decision *follows* when its label is the new mood and its rule answers that mood (the
  rule's condition names the label, as a smoothed, `current:` or `shift:` label); anger and disgust
  count as one mood. `detected` also asks that the tracker reported the shift.
- control (a neutral question after distress): *gentle* when the turn is treated as distressed, the
  rule is not the policy's neutral default, no shift away from distress (to joy) was reported and no
  negative emotion is amplified.
- steady (the same mood continues): no shift may be reported.

A shift turn that the risk detector flags (or that lies in a crisis memory) keeps the crisis decision
and counts as a miss; `crisis_at_scored_turn` counts them and `follows_without_crisis` is the follow
rate over the others, so a reader or shift problem can be told apart from a risk false alarm. Every
missed shift also gets a `miss_cause` (counted per new mood in `miss_causes`): `crisis` (kept in a
crisis), `reader` (this turn's strongest emotion is not the new mood), `detector` (it is, but no
shift to it was reported) or `rule` (the shift was reported, the rule does not answer it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS
from emotive_agents.errors import EmotiveError
from emotive_agents.router.policy import SHIPPED_POLICIES, Policy
from emotive_agents.router.shift import FAMILY

MISS_CAUSES: tuple[str, ...] = ("crisis", "reader", "detector", "rule")
TUNE_SET = Path(__file__).resolve().parent.parent / "data" / "router" / "shift_tune.jsonl"


class ShiftConversation(BaseModel):
    """One scripted conversation and the turn to score."""

    model_config = ConfigDict(frozen=True)

    id: str
    domain: str
    turns: tuple[str, ...]
    shift_turn: int = -1  # null / absent: the last turn

    @field_validator("shift_turn", mode="before")
    @classmethod
    def _last_by_default(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return len(info.data.get("turns", ())) - 1
        return value

    shift_to: str | None = None
    kind: Literal["shift", "control", "steady"]

    @model_validator(mode="after")
    def _consistent(self) -> ShiftConversation:
        if self.shift_turn == -1:
            object.__setattr__(self, "shift_turn", len(self.turns) - 1)
        if not 0 <= self.shift_turn < len(self.turns):
            raise ValueError(
                f"{self.id}: shift_turn {self.shift_turn} is outside its {len(self.turns)} turns"
            )
        if self.kind == "shift" and self.shift_to not in LABELS:
            raise ValueError(f"{self.id}: a shift needs shift_to, one of {LABELS}")
        return self


def load_conversations(path: str | Path) -> list[ShiftConversation]:
    """The conversations of a JSONL file; a malformed line is an error naming its line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EmotiveError(f"cannot read {path}: {exc}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(ShiftConversation.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            raise EmotiveError(f"{path}:{number}: {exc}") from exc
    if not rows:
        raise EmotiveError(f"{path} holds no conversations")
    return rows


def _same_mood(a: str, b: str) -> bool:
    return FAMILY.get(a, a) == FAMILY.get(b, b)


def rule_answers(policy: Policy, rule: str, label: str) -> bool:
    """True when the rule named `rule` singles out `label` (or its mood family) in its condition."""
    for r in policy.rules:
        if r.name == rule:
            return any(_same_mood(label, x) for x in r.when.answers())
    return False


def miss_cause(row: dict[str, Any], target: str) -> str:
    """Why a shift turn was not followed: crisis, reader, detector or rule (first that applies)."""
    if row["crisis"]:
        return "crisis"
    if not _same_mood(row["current"], target):
        return "reader"
    return "rule" if row["detected"] else "detector"


def score(conversation: ShiftConversation, decision: Any, policy: Policy) -> dict[str, Any]:
    """One conversation's outcome at its scored turn."""
    shift = decision.shift
    row: dict[str, Any] = {
        "id": conversation.id,
        "kind": conversation.kind,
        "policy": policy.name,
        "label": decision.label,
        "rule": decision.rule,
        "shift": shift.to_json() if shift is not None else None,
        "current": decision.current.label,
        "crisis": bool(decision.crisis),
        "risk_detectors": list(decision.risk.detectors),  # which risk layers flagged (or "memory")
    }
    if conversation.kind == "shift":
        target = conversation.shift_to or ""
        row["label_follows"] = _same_mood(decision.label, target)
        row["rule_follows"] = rule_answers(policy, decision.rule, target)
        row["follows"] = row["label_follows"] and row["rule_follows"]
        row["detected"] = shift is not None and _same_mood(shift.to, target)
        row["miss_cause"] = None if row["follows"] else miss_cause(row, target)
    elif conversation.kind == "control":
        amplified = any(decision.mix.get(e, 0.0) > 0 for e in NEGATIVE_LABELS)
        away = shift is not None and shift.to not in NEGATIVE_LABELS
        row["gentle"] = (
            bool(decision.distressed) and decision.rule != "default" and not away and not amplified
        )
    else:
        row["no_shift"] = shift is None
    return row


def _rate(rows: Sequence[dict[str, Any]], key: str) -> dict[str, Any]:
    hits = sum(1 for r in rows if r[key])
    return {"n": len(rows), "hits": hits, "rate": round(hits / len(rows), 4) if rows else None}


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rates overall, per policy and (for shifts) per new mood."""
    shifts = [r for r in rows if r["kind"] == "shift"]
    controls = [r for r in rows if r["kind"] == "control"]
    steady = [r for r in rows if r["kind"] == "steady"]
    out: dict[str, Any] = {
        "follows": _rate(shifts, "follows"),
        "label_follows": _rate(shifts, "label_follows"),
        "rule_follows": _rate(shifts, "rule_follows"),
        "detected": _rate(shifts, "detected"),
        "controls_gentle": _rate(controls, "gentle"),
        # A crisis turn (or one in its memory) keeps the crisis decision and is never shifted: these
        # count as misses above; here they are counted, and the follow rate is given without them.
        "crisis_at_scored_turn": _rate(shifts, "crisis"),
        "follows_without_crisis": _rate([r for r in shifts if not r["crisis"]], "follows"),
    }
    if steady:
        out["steady_no_shift"] = _rate(steady, "no_shift")
    by_policy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_policy[r["policy"]].append(r)
    out["by_policy"] = {
        name: {
            "follows": _rate([r for r in group if r["kind"] == "shift"], "follows"),
            "controls_gentle": _rate([r for r in group if r["kind"] == "control"], "gentle"),
        }
        for name, group in sorted(by_policy.items())
    }
    return out


def evaluate(
    conversations: Sequence[ShiftConversation],
    *,
    policy: str | None = None,
    classifier: Any = None,
) -> dict[str, Any]:
    """Route every conversation's scored turn and summarise (see the module docstring)."""
    from emotive_agents.router.router import AffectRouter

    names = {c.domain for c in conversations} if policy is None else {policy}
    unknown = {n for n in names if n not in SHIPPED_POLICIES and policy is None}
    if unknown:
        raise EmotiveError(f"no shipped policy for domains {sorted(unknown)}; pass --policy")
    shared = AffectRouter(policy=policy or "support", classifier=classifier)
    routers: dict[str, AffectRouter] = {}
    rows = []
    for c in conversations:
        name = policy or c.domain
        if name not in routers:  # one reader for all policies: the models load once
            routers[name] = AffectRouter(policy=name, classifier=shared.classifier)
        router = routers[name]
        decision = router.route([{"role": "user", "content": t} for t in c.turns[: c.shift_turn + 1]])
        row = score(c, decision, router.policy)
        row["target"] = c.shift_to
        rows.append(row)
    summary = summarise(rows)
    targets = sorted({r["target"] for r in rows if r["kind"] == "shift"})
    summary["by_target"] = {
        t: _rate([r for r in rows if r["kind"] == "shift" and r["target"] == t], "follows") for t in targets
    }
    missed = [r for r in rows if r["kind"] == "shift" and r["miss_cause"] is not None]
    summary["miss_causes"] = {
        t: {c: sum(r["target"] == t and r["miss_cause"] == c for r in missed) for c in MISS_CAUSES}
        for t in targets
    }
    return {"summary": summary, "conversations": rows}
