"""Support agent: calms angry customers (never mirrors their anger) and is warm with happy ones.

Each turn, the affect router reads the customer with the "support" policy and picks an emotion mix;
ChatEmotive streams the answer steered by that mix. The decision is printed before every answer.

Run: .venv/bin/python examples/support_bot.py [--script FILE] [--max-new-tokens 60] [--json]
(offline on the embedded SmolLM2-135M; on a busy CPU prefix OMP_NUM_THREADS=1)
"""

from __future__ import annotations

from collections.abc import Sequence

from bot_helpers import router_bot, run_bot

SYSTEM = (
    "You are a customer support agent for an online shop. Acknowledge the customer's problem, "
    "apologise when something went wrong, and give one clear next step."
)
TURNS = [
    "Hi, I ordered a lamp last week and it still hasn't arrived.",
    "This is ridiculous! It's the third time you've messed up my order and nobody answers my emails!",
    "Oh great, it arrived this morning and it looks lovely, thank you!",
]


# chat(turns, max_new_tokens=60, show=None): one {"user", "reply", "decision"} record per turn.
chat = router_bot(policy="support", system=SYSTEM, speakers=("customer", "agent"))


def main(argv: Sequence[str] | None = None) -> None:
    run_bot(
        chat,
        TURNS,
        argv,
        description="A customer support bot steered by the affect router.",
        speaker="customer",
    )


if __name__ == "__main__":
    main()
