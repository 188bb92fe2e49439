"""Tutor: patient and encouraging; when the learner gets frustrated or discouraged, the mix shifts
toward encouragement (and calm joy when things click), while the tutor explains step by step.

Each turn, the affect router reads the learner with the "tutor" policy and picks an emotion mix;
ChatEmotive streams the answer steered by that mix. The decision is printed before every answer.

Run: .venv/bin/python examples/tutor_bot.py [--script FILE] [--max-new-tokens 60] [--json]
(offline on the embedded SmolLM2-135M; on a busy CPU prefix OMP_NUM_THREADS=1)
"""

from __future__ import annotations

from collections.abc import Sequence

from bot_helpers import router_bot, run_bot

SYSTEM = (
    "You are a patient tutor. Explain the topic step by step in short, simple sentences, "
    "check what the learner already knows, and end with one small next step."
)
TURNS = [
    "Can you explain what a fraction is?",
    "I still don't get it. I'm so bad at maths, I always fail at this.",
    "Okay, so 3/4 means three out of four equal parts?",
]


# chat(turns, max_new_tokens=60, show=None): one {"user", "reply", "decision"} record per turn.
chat = router_bot(policy="tutor", system=SYSTEM, speakers=("learner", "tutor"))


def main(argv: Sequence[str] | None = None) -> None:
    run_bot(chat, TURNS, argv, description="A tutor bot steered by the affect router.", speaker="learner")


if __name__ == "__main__":
    main()
