"""Health companion (a healthcare / mental-health support prototype): gentle and calm, never mirrors
fear; crisis turns go to the escalation path (the policy's safe message, nothing generated).

Each turn, the affect router reads the person with the "health" policy and picks an emotion mix;
ChatEmotive streams the answer steered by that mix. The decision is printed before every answer.
This is a prototype to build on, not a clinical tool: keep the disclaimer visible in anything you ship.

Run: .venv/bin/python examples/health_bot.py [--script FILE] [--max-new-tokens 60] [--json]
(offline on the embedded SmolLM2-135M; on a busy CPU prefix OMP_NUM_THREADS=1)
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from emotive_agents.bots import load_script
from emotive_agents.langchain import ChatEmotive
from emotive_agents.router import AffectRouter, empathetic_chain

DISCLAIMER = (
    "This is a prototype wellbeing companion, not a clinician: it cannot diagnose, treat or handle "
    "emergencies. If you are in danger or thinking about harming yourself, call your local emergency "
    "number or a crisis line now."
)
SYSTEM = (
    "You are a gentle wellbeing companion. Listen, reflect what the person says, and offer one simple, "
    "safe coping idea. You are not a doctor: never diagnose or prescribe, and suggest a professional "
    "when something sounds medical."
)
TURNS = [
    "I have been sleeping badly for weeks and I feel on edge all the time.",
    "I'm scared something is really wrong with me.",
    "Sometimes I think everyone would be better off without me and I want to end it all.",
]


def chat(
    turns: Sequence[str], max_new_tokens: int = 60, show: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """Answer each turn of the person; returns one {"user", "reply", "decision"} record per turn."""
    model = ChatEmotive(max_tokens=max_new_tokens, trim_to_sentence=True)  # replies end on a sentence
    # The chain plans each turn: the router reads every turn of the person so far; a crisis turn gets
    # the policy's safe message (nothing generated); otherwise the model sees the last exchange only
    # (a 135M model copies longer histories).
    chain = empathetic_chain(AffectRouter(policy="health"), model, history_turns=1)
    history: list[BaseMessage] = []
    records = []
    for text in turns:
        history.append(HumanMessage(text))
        reply, decision = "", {}
        for chunk in chain.stream([SystemMessage(SYSTEM), *history]):
            if not decision:  # the first chunk carries the decision, before any of the answer
                decision = chunk.response_metadata["decision"]
                if show:
                    show(f"\nyou: {text}\n  [decision: {decision['label']} -> mix {decision['mix']}]\n")
                    show(f"  [why: {decision['rationale']}]\ncompanion: ")
            reply += str(chunk.content)
            if show:
                show(str(chunk.content))
        history.append(AIMessage(reply))
        records.append({"user": text, "reply": reply.strip(), "decision": decision})
    return records


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A wellbeing companion steered by the affect router.")
    parser.add_argument("--script", help="one user turn per line (default: a built-in conversation)")
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print one JSON record per turn")
    args = parser.parse_args(argv)
    turns = load_script(args.script) if args.script else TURNS
    show = None if args.json else (lambda text: print(text, end="", flush=True))
    if show:
        show(f"NOTE: {DISCLAIMER}\n")
    records = chat(turns, args.max_new_tokens, show)
    for record in records if args.json else []:
        print(json.dumps(record, ensure_ascii=False))
    if not args.json:
        print()


if __name__ == "__main__":
    main()
