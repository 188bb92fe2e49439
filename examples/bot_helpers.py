"""What the example bots share: a conversation streamed through the router's empathetic chain, and the
command line every bot takes (`--script FILE`, `--max-new-tokens N`, `--json`).

Each bot (support_bot.py, tutor_bot.py, health_bot.py; rag_bot.py uses the command line only) keeps what
makes it that bot: its policy, system prompt, demo turns and speaker names. Run a bot from its own file;
this module sits beside them, where Python finds it.
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

Show = Callable[[str], None]
Chat = Callable[[Sequence[str], int, Show | None], list[dict[str, Any]]]


def router_chat(
    turns: Sequence[str],
    *,
    policy: str,
    system: str,
    speakers: tuple[str, str],
    max_new_tokens: int = 60,
    show: Show | None = None,
) -> list[dict[str, Any]]:
    """Answer each user turn with `policy`'s mix; one {"user", "reply", "decision"} record per turn.

    `speakers` names the user and the bot in what `show` prints (the decision comes before each answer).
    """
    user, bot = speakers
    model = ChatEmotive(max_tokens=max_new_tokens, trim_to_sentence=True)  # replies end on a sentence
    # The chain plans each turn: the router reads every user turn so far; a crisis turn gets the policy's
    # safe message (nothing generated); otherwise the model sees the last exchange only (a 135M model
    # copies longer histories).
    chain = empathetic_chain(AffectRouter(policy=policy), model, history_turns=1)
    history: list[BaseMessage] = []
    records = []
    for text in turns:
        history.append(HumanMessage(text))
        reply, decision = "", {}
        for chunk in chain.stream([SystemMessage(system), *history]):
            if not decision:  # the first chunk carries the decision, before any of the answer
                decision = chunk.response_metadata["decision"]
                if show:
                    show(f"\n{user}: {text}\n  [decision: {decision['label']} -> mix {decision['mix']}]\n")
                    show(f"  [why: {decision['rationale']}]\n{bot}: ")
            reply += str(chunk.content)
            if show:
                show(str(chunk.content))
        history.append(AIMessage(reply))
        records.append({"user": text, "reply": reply.strip(), "decision": decision})
    return records


def router_bot(*, policy: str, system: str, speakers: tuple[str, str]) -> Chat:
    """A bot's `chat(turns, max_new_tokens=60, show=None)`: `router_chat` with this bot's settings."""

    def chat(
        turns: Sequence[str], max_new_tokens: int = 60, show: Show | None = None
    ) -> list[dict[str, Any]]:
        """Answer each user turn; returns one {"user", "reply", "decision"} record per turn."""
        return router_chat(
            turns, policy=policy, system=system, speakers=speakers, max_new_tokens=max_new_tokens, show=show
        )

    return chat


def run_bot(
    chat: Chat,
    turns: Sequence[str],
    argv: Sequence[str] | None,
    *,
    description: str,
    speaker: str,
    note: str | None = None,
) -> None:
    """The bots' command line: the demo `turns` (or `--script`), answered and printed as text or JSON."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--script", help=f"one {speaker} turn per line (default: a built-in conversation)")
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print one JSON record per turn")
    args = parser.parse_args(argv)
    script = load_script(args.script) if args.script else list(turns)
    show = None if args.json else (lambda text: print(text, end="", flush=True))
    if show and note:
        show(f"NOTE: {note}\n")
    records = chat(script, args.max_new_tokens, show)
    for record in records if args.json else []:
        print(json.dumps(record, ensure_ascii=False))
    if not args.json:
        print()
