"""Support agent: calms angry customers (never mirrors their anger) and is warm with happy ones.

Each turn, the affect router reads the customer with the "support" policy and picks an emotion mix;
ChatEmotive streams the answer steered by that mix. The decision is printed before every answer.

Run: .venv/bin/python examples/support_bot.py [--script FILE] [--max-new-tokens 60] [--json]
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

SYSTEM = (
    "You are a customer support agent for an online shop. Acknowledge the customer's problem, "
    "apologise when something went wrong, and give one clear next step."
)
TURNS = [
    "Hi, I ordered a lamp last week and it still hasn't arrived.",
    "This is ridiculous! It's the third time you've messed up my order and nobody answers my emails!",
    "Oh great, it arrived this morning and it looks lovely, thank you!",
]


def chat(
    turns: Sequence[str], max_new_tokens: int = 60, show: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """Answer each customer turn; returns one {"user", "reply", "decision"} record per turn."""
    model = ChatEmotive(max_tokens=max_new_tokens, trim_to_sentence=True)  # replies end on a sentence
    # The chain plans each turn: the router reads every customer turn so far; a crisis turn gets the policy's
    # safe message (nothing generated); otherwise the model sees the last exchange only (a 135M model
    # copies longer histories).
    chain = empathetic_chain(AffectRouter(policy="support"), model, history_turns=1)
    history: list[BaseMessage] = []
    records = []
    for text in turns:
        history.append(HumanMessage(text))
        reply, decision = "", {}
        for chunk in chain.stream([SystemMessage(SYSTEM), *history]):
            if not decision:  # the first chunk carries the decision, before any of the answer
                decision = chunk.response_metadata["decision"]
                if show:
                    show(f"\ncustomer: {text}\n  [decision: {decision['label']} -> mix {decision['mix']}]\n")
                    show(f"  [why: {decision['rationale']}]\nagent: ")
            reply += str(chunk.content)
            if show:
                show(str(chunk.content))
        history.append(AIMessage(reply))
        records.append({"user": text, "reply": reply.strip(), "decision": decision})
    return records


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A customer support bot steered by the affect router.")
    parser.add_argument("--script", help="one customer turn per line (default: a built-in conversation)")
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print one JSON record per turn")
    args = parser.parse_args(argv)
    turns = load_script(args.script) if args.script else TURNS
    show = None if args.json else (lambda text: print(text, end="", flush=True))
    records = chat(turns, args.max_new_tokens, show)
    for record in records if args.json else []:
        print(json.dumps(record, ensure_ascii=False))
    if not args.json:
        print()


if __name__ == "__main__":
    main()
