"""One turn's routing decision and the router's input error: the data every turn consumer reads.

A module of its own, below the router, the turn pipeline and the chain, so that they all name the
decision without importing each other (the router imports nothing that consumes its decisions).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.affect.types import AffectReading
from emotive_agents.errors import EmotiveError
from emotive_agents.router.risk import RiskAssessment
from emotive_agents.router.shift import Shift
from emotive_agents.router.tracker import AffectTracker


class RouterInputError(EmotiveError, ValueError):
    """The router got input it cannot read as a conversation."""


class RouteDecision(BaseModel):
    """One turn's routing: the (smoothed) affect, the mix to steer with, crisis handling and why."""

    model_config = ConfigDict(frozen=True)

    reading: AffectReading  # smoothed over the conversation
    label: str  # the mood answered: the smoothed label, or the new one on a detected shift
    crisis: bool
    mix: dict[str, float]
    rationale: str
    escalation: str | None = None  # the safe message to send instead of generating, when escalating
    current: AffectReading  # this turn's reading alone
    rule: str  # name of the policy rule that chose the mix ("default", "crisis")
    distressed: bool
    crisis_matches: tuple[str, ...] = ()
    risk: RiskAssessment = Field(default_factory=RiskAssessment)  # this turn's (or the remembered) risk
    policy: str = ""
    tracker: AffectTracker = Field(default_factory=AffectTracker)  # the state after this turn
    shift: Shift | None = None  # a confident change of mood on this turn (never on a crisis turn)

    @property
    def escalated(self) -> bool:
        return self.escalation is not None

    def to_json(self) -> dict[str, Any]:
        """CLI / response-metadata form: reading (7 probabilities), label, crisis, risk, mix, rationale,
        shift ({from, to, strength} or None)."""
        return {
            "reading": {k: round(v, 4) for k, v in self.reading.probabilities.items()},
            "label": self.label,
            "crisis": self.crisis,
            "risk": self.risk.to_json(),
            "mix": dict(self.mix),
            "rationale": self.rationale,
            "shift": self.shift.to_json() if self.shift is not None else None,
        }


__all__ = ["RouteDecision", "RouterInputError"]
