"""Does the closed loop raise the share of replies read as intended? One run over a scripted turn set.

    python -m benchmarks.monitor_eval --turns turns.jsonl --out monitor_loop.json

Each line: {"id", "domain", "history", "user", "emotion": a mix or "auto", "intended"}. `intended` is
what the reply should read as: a reader label (joy, neutral, sadness...), a style (calm, patient ->
neutral; encouraging -> joy), "positive"/"non-negative", or a list of those (any one counts). Every
turn is generated once (the loop's first attempt is the no-loop reply), then the loop decides whether
to retry; the report gives both shares, the retry rate, the reasons and the extra time.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.monitor.reading import ReplyReading

STYLE_READS: dict[str, tuple[str, ...]] = {
    "calm": ("neutral",),
    "patient": ("neutral",),
    "encouraging": ("joy",),
    "neutral": ("neutral",),
}
SHIPPED = ("support", "health", "tutor")


# Free-text intents ("Calm, apologetic and de-escalating; no anger back") are read by keyword: each
# clause's words add the reader labels they allow, and a clause opened by a negation ("no upbeat tone",
# "nothing cheerful", "without adding alarm") forbids them instead. Anger, disgust and fear are never
# an intended reading of a reply here. Written after the set's format was seen, before any result.
_KEYWORDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("joy", "happi", "congratulat", "cheer", "upbeat", "excit", "celebrat", "delight", "praise"), ("joy",)),
    (("encourag", "warm", "friendly", "relief"), ("joy", "neutral")),
    (
        ("sympath", "sadness", "sorrow", "condolen", "comfort", "validate the disappointment"),
        ("sadness", "neutral"),
    ),
    (
        (
            "calm",
            "patient",
            "neutral",
            "plain",
            "factual",
            "clear ",
            "steady",
            "reassur",
            "gentle",
            "soft",
            "informative",
            "respectful",
            "sooth",
            "apologetic",
            "de-escalat",
            "concerned",
            "caring",
            "practical",
        ),
        ("neutral",),
    ),
    (("alarm", "fear", "scare", "panic"), ("fear",)),
    (("anger", "irritation", "angry", "hostil"), ("anger",)),
)
_NEGATIONS = ("no ", "nothing ", "without ", "not ", "never ", "avoid ")


def intended_labels(text: str) -> tuple[set[str], set[str]]:
    """(labels a reply may read as, labels it must not read as) for a free-text intent."""
    import re

    allowed: set[str] = set()
    forbidden: set[str] = {"anger", "disgust", "fear"}
    joyful = calm = False
    for clause in re.split(r"[;,.:]| but | while ", text.lower()):
        clause = f" {clause.strip()} "
        negated = any(f" {n}" in clause for n in _NEGATIONS)
        for i, (words, labels) in enumerate(_KEYWORDS):
            if any(re.search(rf"\b{re.escape(w)}", clause) for w in words):
                if negated:  # "no upbeat tone" forbids joy; a flat, neutral reply stays fine
                    forbidden.update(label for label in labels if label != "neutral")
                else:
                    allowed.update(labels)
                joyful |= i == 0 and not negated
                calm |= i in (2, 3) and not negated
    if joyful and not calm:  # "joyful congratulations": a flat reply is not what was asked
        allowed.discard("neutral")
    allowed -= forbidden
    return (allowed or {"neutral"}), forbidden


def reads_as(reading: ReplyReading, intended: Any) -> bool | None:
    """True/False when `intended` is understood; None when it is not (reported, never guessed)."""
    if isinstance(intended, (list, tuple)):
        verdicts = [reads_as(reading, i) for i in intended]
        known = [v for v in verdicts if v is not None]
        return any(known) if known else None
    if isinstance(intended, dict):
        for key in ("labels", "label", "any", "emotion"):
            if key in intended:
                return reads_as(reading, intended[key])
        return None
    if not isinstance(intended, str):
        return None
    name = intended.strip().lower()
    if name in STYLE_READS:
        return reading.label in STYLE_READS[name]
    if name in LABELS:
        return reading.label == name
    if name == "positive":
        return reading.valence > 0
    if name in ("non-negative", "not negative", "not_negative", "nonnegative"):
        return reading.label not in NEGATIVE_LABELS
    if name.startswith("not "):
        inner = reads_as(reading, name[4:])
        return None if inner is None else not inner
    if " " in name:  # a free-text description
        allowed, forbidden = intended_labels(name)
        return reading.label in allowed and reading.label not in forbidden
    return None


def history_messages(history: Any) -> list[dict[str, str]]:
    """[{"role", "content"}...] or alternating user/assistant strings."""
    out: list[dict[str, str]] = []
    for i, item in enumerate(history or []):
        if isinstance(item, dict):
            out.append({"role": str(item.get("role", "user")), "content": str(item.get("content", ""))})
        else:
            out.append({"role": "user" if i % 2 == 0 else "assistant", "content": str(item)})
    return out


def run(
    turns: Sequence[dict[str, Any]], *, model: str, max_new_tokens: int, reader: str, seed: int = 0
) -> dict[str, Any]:
    """First replies in one batch (per-row mixes), the monitor, then every retry candidate in one batch."""
    import torch

    from emotive_agents.bots.specs import BOTS
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.monitor.engine_loop import retry_requests
    from emotive_agents.monitor.fluency import engine_word_cost
    from emotive_agents.monitor.loop import MonitorMode, MonitorRecord, ReplyMonitor
    from emotive_agents.router import AffectRouter
    from emotive_agents.router.policy import apply_guard_rails

    torch.manual_seed(seed)  # the retry round samples; one seed for the whole run
    engine = EmotiveEngine.load(model)
    monitor = ReplyMonitor(reader_name=reader)
    monitor.read("warm-up")
    word_cost = engine_word_cost(engine)
    routers: dict[str, Any] = {}
    available = [e for e in engine.emotions if e != "base"]
    params: dict[str, Any] = {"max_new_tokens": max_new_tokens, "trim_to_sentence": True}
    prepared: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for turn in turns:
        domain = str(turn.get("domain") or "support")
        policy = domain if domain in SHIPPED else "support"
        messages = [*history_messages(turn.get("history")), {"role": "user", "content": str(turn["user"])}]
        system = BOTS[policy].system_prompt if policy in BOTS else None
        prompt = ([{"role": "system", "content": system}] if system else []) + messages
        item: dict[str, Any] = {"turn": turn, "domain": domain, "prompt": prompt, "user": None, "guard": None}
        item["escalation"] = None
        if turn.get("emotion") == "auto":
            router = routers.setdefault(policy, AffectRouter(policy, vector_set=engine.vector_set))
            decision = router.invoke(messages)
            item["mix"], item["escalation"] = dict(decision.mix), decision.escalation
            item["user"] = ReplyReading.from_affect(decision.current)

            def guard(
                m: dict[str, float], _d: bool = decision.distressed, _p: Any = router.policy
            ) -> dict[str, float]:
                return apply_guard_rails(m, distressed=_d, max_total=_p.max_total, available=available).mix

            item["guard"] = guard
        else:
            item["mix"] = {k: float(v) for k, v in dict(turn.get("emotion") or {}).items()}
        prepared.append(item)
    route_s = time.perf_counter() - t0
    generate = [i for i in prepared if i["escalation"] is None]
    t0 = time.perf_counter()
    firsts = engine.generate_batch([engine.request(i["prompt"], i["mix"], **params) for i in generate])
    base_s = time.perf_counter() - t0
    for item, result in zip(generate, firsts, strict=True):
        item["first"] = result.text
    t0 = time.perf_counter()
    for item in prepared:
        text = item.get("first", item["escalation"])
        mode: MonitorMode = "retry" if item["escalation"] is None else "read"
        attempt, plan, user, _ = monitor.first_attempt(
            mode,
            item["mix"],
            text,
            user_text=str(item["turn"]["user"]),
            user=item["user"],
            available=available,
        )
        item.update(attempt=attempt, plan=plan, user=user)
        if plan is not None:
            item["adjusted"] = item["guard"](dict(plan.mix)) if item["guard"] else dict(plan.mix)
    read_s = time.perf_counter() - t0
    retrying = [i for i in prepared if i.get("plan") is not None]
    t0 = time.perf_counter()
    requests: list[GenerationRequest] = []
    for i in retrying:
        i["slice"] = slice(len(requests), len(requests) + i["plan"].candidates)
        requests += retry_requests(engine.request(i["prompt"], {}, **params), i["adjusted"], i["plan"])
    seconds = engine.generate_batch(requests) if requests else []
    retry_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for item in prepared:
        if item.get("plan") is not None:
            texts = [r.text for r in seconds[item["slice"]]]
            record = monitor.second_attempt(
                item["attempt"], item["plan"], item["adjusted"], texts, item["user"], word_cost=word_cost
            )
        else:
            record = MonitorRecord(mode="retry", attempts=[item["attempt"]])
        turn = item["turn"]
        before = reads_as(record.attempts[0].reading, turn.get("intended"))
        after = reads_as(record.reading, turn.get("intended"))
        intended = turn.get("intended")
        row: dict[str, Any] = {
            "id": turn.get("id"),
            "domain": item["domain"],
            "emotion": turn.get("emotion"),
            "mix": item["mix"],
            "intended": intended,
            "intended_labels": sorted(intended_labels(intended)[0]) if isinstance(intended, str) else None,
            "escalated": item["escalation"] is not None,
            "without_loop": {
                "text": record.attempts[0].text,
                "label": record.attempts[0].reading.label,
                "ok": before,
            },
            "with_loop": {
                "text": record.attempts[record.chosen].text,
                "label": record.reading.label,
                "ok": after,
            },
            "retried": record.retried,
            "retry_mix": record.attempts[1].mix if record.retried else None,
            "retry_labels": [c.reading.label for c in record.candidates or record.attempts[1:]],
            "reasons": record.attempts[0].verdict.reasons,
        }
        rows.append(row)
    read_s += time.perf_counter() - t0
    scored = [r for r in rows if r["without_loop"]["ok"] is not None]
    return {
        "turns": len(rows),
        "scored_turns": len(scored),
        "unparsed_intended": sorted(
            {json.dumps(r["intended"]) for r in rows if r["without_loop"]["ok"] is None}
        ),
        "read_as_intended_without_loop": sum(bool(r["without_loop"]["ok"]) for r in scored)
        / max(len(scored), 1),
        "read_as_intended_with_loop": sum(bool(r["with_loop"]["ok"]) for r in scored) / max(len(scored), 1),
        "retried": sum(r["retried"] for r in rows),
        "retry_generations": len(requests),
        "retry_chosen": sum(
            r["retried"] and r["with_loop"]["text"] != r["without_loop"]["text"] for r in rows
        ),
        "retry_fixed": sum(
            r["retried"] and not r["without_loop"]["ok"] and bool(r["with_loop"]["ok"]) for r in scored
        ),
        "retry_broke": sum(
            r["retried"] and bool(r["without_loop"]["ok"]) and not r["with_loop"]["ok"] for r in scored
        ),
        "reasons": dict(Counter(reason for r in rows for reason in r["reasons"])),
        "escalated": sum(r["escalated"] for r in rows),
        "extra_time_ratio": (read_s + retry_s) / max(base_s, 1e-9),
        "seconds": {
            "route": round(route_s, 2),
            "first_replies": round(base_s, 2),
            "reading": round(read_s, 2),
            "retries": round(retry_s, 2),
        },
        "model": model,
        "max_new_tokens": max_new_tokens,
        "reader": reader,
        "seed": seed,
        "thresholds": monitor.thresholds.model_dump(),
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--reader", default="ensemble")
    parser.add_argument("--seed", type=int, default=0, help="Torch seed for the retry round's sampling.")
    args = parser.parse_args(argv)
    turns = [json.loads(line) for line in args.turns.read_text().splitlines() if line.strip()]
    report = run(
        turns, model=args.model, max_new_tokens=args.max_new_tokens, reader=args.reader, seed=args.seed
    )
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    summary = {k: v for k, v in report.items() if k != "rows"}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
