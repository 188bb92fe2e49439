"""Health companion (a healthcare / mental-health support prototype): gentle and calm, never mirrors
fear; crisis turns go to the escalation path (the policy's safe message, nothing generated).

Each turn, the affect router reads the person with the "health" policy and picks an emotion mix;
ChatEmotive streams the answer steered by that mix. The decision is printed before every answer.
This is a prototype to build on, not a clinical tool: keep the disclaimer visible in anything you ship.

Run: .venv/bin/python examples/health_bot.py [--script FILE] [--max-new-tokens 60] [--json]
(offline on the embedded SmolLM2-135M; on a busy CPU prefix OMP_NUM_THREADS=1)
"""

from __future__ import annotations

from collections.abc import Sequence

from bot_helpers import router_bot, run_bot

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


# chat(turns, max_new_tokens=60, show=None): one {"user", "reply", "decision"} record per turn.
chat = router_bot(policy="health", system=SYSTEM, speakers=("you", "companion"))


def main(argv: Sequence[str] | None = None) -> None:
    run_bot(
        chat,
        TURNS,
        argv,
        description="A wellbeing companion steered by the affect router.",
        speaker="user",
        note=DISCLAIMER,
    )


if __name__ == "__main__":
    main()
