"""The three example bots as data: who they are (system prompt), which router policy reads the user, and
what they must show the user before the first turn (the health companion's disclaimer).

A bot is deliberately only this: its tone comes from the affect router's per-turn mix, not from wording in
the system prompt, so the same spec serves the unsteered, prompt-only and steered variants alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.errors import EmotiveError


class UnknownBotError(EmotiveError, KeyError):
    """A bot name that is not one of the shipped bots."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class BotSpec(BaseModel):
    """One example bot: persona, router policy and what to show before the conversation starts."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Short name used on the command line (--bot).")
    title: str = Field(description="Human-readable name for transcripts and docs.")
    domain: str = Field(description="Where a developer would use it: education, healthcare, support.")
    system_prompt: str = Field(description="Persona and task; short, because the embedded model is small.")
    policy: str = Field(description="Affect router policy: a shipped name or a YAML/JSON path.")
    disclaimer: str | None = Field(default=None, description="Shown before the first turn, if any.")

    def script_path(self) -> Path:
        """The shipped demo conversation for this bot (one user turn per line)."""
        return Path(str(resources.files("emotive_agents") / "data" / "scripts" / f"{self.name}.txt"))


TUTOR = BotSpec(
    name="tutor",
    title="Tutor",
    domain="education",
    system_prompt=(
        "You are a patient tutor. Explain the topic step by step in short, simple sentences, "
        "check what the learner already knows, and end with one small next step."
    ),
    policy="tutor",
)

HEALTH = BotSpec(
    name="health",
    title="Health companion",
    domain="healthcare",
    system_prompt=(
        "You are a gentle wellbeing companion. Listen, reflect what the person says, and offer one simple, "
        "safe coping idea. You are not a doctor: never diagnose or prescribe, and suggest a professional "
        "when something sounds medical."
    ),
    policy="health",
    disclaimer=(
        "This is a prototype wellbeing companion, not a clinician: it cannot diagnose, treat or handle "
        "emergencies. If you are in danger or thinking about harming yourself, call your local emergency "
        "number or a crisis line now."
    ),
)

SUPPORT = BotSpec(
    name="support",
    title="Support agent",
    domain="customer support",
    system_prompt=(
        "You are a customer support agent for an online shop. Acknowledge the customer's problem, "
        "apologise when something went wrong, and give one clear next step."
    ),
    policy="support",
)

BOTS: dict[str, BotSpec] = {spec.name: spec for spec in (TUTOR, HEALTH, SUPPORT)}


def get_bot(name: str) -> BotSpec:
    """The shipped bot called `name` (tutor, health or support)."""
    try:
        return BOTS[name]
    except KeyError:
        raise UnknownBotError(f"unknown bot {name!r}; choose one of {', '.join(BOTS)}") from None
