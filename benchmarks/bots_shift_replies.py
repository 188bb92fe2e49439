"""Does the *reply* follow a mood shift? Before/after on the embedded model, scored by the project's judge.

    python -m benchmarks.bots_shift_replies [--file CONVERSATIONS.jsonl] [--to joy ...] [--out report.json]

For every shift conversation (default: the project-written tune set), the earlier turns are answered
first (greedy, the router's mix each turn, the whole history in the prompt, as a LangChain chain or
LangGraph app passes it), then the shift turn is answered four ways:

- `before`: the router without shift detection (its mix from the smoothed mood), whole history;
- `shift_mix`: the shift's mix, whole history;
- `shift_mix_last_exchange`: the shift's mix, only the last exchange (the chat session's default window);
- `shift_mix_trimmed`: the shift's mix, no earlier exchange (what the chain and session do on a shift).

Each reply is read by the evaluation judge (`EmotionJudge`, the reply-exemplar ensemble). Reported: for
shifts to joy, how often the reply reads as joy, its mean P(joy) and valence, and how often it
apologises ("sorry"); for shifts to anger / sadness / fear, how often the reply mirrors that label; for
all, how often the reply repeats an earlier reply (its first five words).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.router.shift_eval import TUNE_SET, ShiftConversation, load_conversations

VARIANTS = ("before", "shift_mix", "shift_mix_last_exchange", "shift_mix_trimmed")


def _opening(text: str) -> str:
    return " ".join(text.lower().split()[:5])


def _summary(rows: Sequence[dict[str, Any]], variant: str) -> dict[str, Any]:
    joy = [r for r in rows if r["shift_to"] == "joy"]
    negative = [r for r in rows if r["shift_to"] != "joy"]
    v = [r[variant] for r in joy]
    n = [r[variant] for r in negative]
    return {
        "joy_shifts": len(joy),
        "joy_reply_reads_joy": sum(x["label"] == "joy" for x in v),
        "joy_mean_p_joy": round(statistics.fmean(x["p_joy"] for x in v), 4) if v else None,
        "joy_mean_valence": round(statistics.fmean(x["valence"] for x in v), 4) if v else None,
        "joy_reply_says_sorry": sum("sorry" in x["text"].lower() for x in v),
        "negative_shifts": len(negative),
        "negative_reply_mirrors_label": sum(
            x["label"] == r["shift_to"] for x, r in zip(n, negative, strict=True)
        ),
        "repeats_an_earlier_reply": sum(x["repeats"] for x in (*v, *n)),
        "replies": len(rows),
    }


def measure(
    conversations: Sequence[ShiftConversation],
    *,
    model: str = DEFAULT_MODEL,
    max_new_tokens: int = 40,
    batch: int = 16,
) -> dict[str, Any]:
    """Generate and judge (see the module docstring); greedy, so a rerun gives the same replies."""
    from emotive_agents.bots.specs import get_bot
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.evaluation.judge import EmotionJudge
    from emotive_agents.router.router import AffectRouter
    from emotive_agents.router.shift import ShiftSettings

    engine = EmotiveEngine.load(model)
    vs = engine.vector_set
    shifts = [c for c in conversations if c.kind == "shift"]
    routers = {d: AffectRouter(policy=d, vector_set=vs) for d in {c.domain for c in shifts}}
    reader = next(iter(routers.values())).classifier
    plain = {
        d: AffectRouter(policy=d, vector_set=vs, classifier=reader, shift=ShiftSettings(enabled=False))
        for d in routers
    }
    for router in routers.values():
        router._classifier = reader  # one reader (and embedding model) for every policy
    judge = EmotionJudge()

    def run(requests: list[Any]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(requests), batch):
            out += [g.text.strip() for g in engine.generate_batch(requests[i : i + batch])]
        return out

    def request(messages: list[dict[str, str]], mix: dict[str, float]) -> Any:
        return engine.request(messages, mix, max_new_tokens=max_new_tokens, temperature=0.0)

    system = {c.id: {"role": "system", "content": get_bot(c.domain).system_prompt} for c in shifts}
    history: dict[str, list[dict[str, str]]] = {c.id: [] for c in shifts}
    for turn in range(max(c.shift_turn for c in shifts)):  # the earlier turns, round by round
        todo = [c for c in shifts if turn < c.shift_turn]
        reqs = []
        for c in todo:
            history[c.id].append({"role": "user", "content": c.turns[turn]})
            decision = routers[c.domain].route(history[c.id], vector_set=vs)
            reqs.append(request([system[c.id], *history[c.id]], dict(decision.mix)))
        for c, text in zip(todo, run(reqs), strict=True):
            history[c.id].append({"role": "assistant", "content": text})

    rows: list[dict[str, Any]] = []
    reqs = []
    for c in shifts:
        turns = [*history[c.id], {"role": "user", "content": c.turns[c.shift_turn]}]
        decision = routers[c.domain].route(turns, vector_set=vs)
        old = plain[c.domain].route(turns, vector_set=vs)
        rows.append(
            {
                "id": c.id,
                "shift_to": c.shift_to,
                "detected": decision.shift is not None,
                "rule": decision.rule,
                "rule_before": old.rule,
            }
        )
        base = [system[c.id]]
        reqs += [
            request([*base, *turns], dict(old.mix)),
            request([*base, *turns], dict(decision.mix)),
            request([*base, *turns[-3:]], dict(decision.mix)),
            request([*base, turns[-1]], dict(decision.mix)),
        ]
    texts = run(reqs)
    readings = judge.score(texts)
    for i, row in enumerate(rows):
        earlier = {_opening(m["content"]) for m in history[row["id"]] if m["role"] == "assistant"}
        for j, variant in enumerate(VARIANTS):
            text, r = texts[4 * i + j], readings[4 * i + j]
            row[variant] = {
                "text": text,
                "label": r.label,
                "p_joy": round(r.probabilities["joy"], 4),
                "valence": round(r.valence, 4),
                "repeats": _opening(text) in earlier,
            }
    return {
        "model": engine.model_name,
        "max_new_tokens": max_new_tokens,
        "judge": judge.name,
        "summary": {v: _summary(rows, v) for v in VARIANTS},
        "conversations": rows,
    }


def main(argv: Sequence[str] | None = None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, default=TUNE_SET)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--batch", type=int, default=16, help="requests per batch (batching can change ties)")
    parser.add_argument(
        "--to", action="append", default=None, help="only shifts to this mood (repeatable; a short run)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    wanted = set(args.to or ())
    conversations = [c for c in load_conversations(args.file) if not wanted or c.shift_to in wanted]
    report = measure(conversations, max_new_tokens=args.max_new_tokens, batch=args.batch)
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps(report["summary"], indent=1))


if __name__ == "__main__":
    main()
