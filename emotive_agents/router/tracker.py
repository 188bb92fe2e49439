"""Affect over a conversation: smoothed readings, a valence trend, crisis memory and the risk level.

The state is a small pydantic object, so it can live in a LangGraph state, a session store or a cookie;
`update` returns a new state and never mutates the old one. One neutral question after three distressed
turns therefore still reads as distressed enough for the policy to stay gentle, while a confident change
of mood (`router.shift`) is recorded as `shift` and weighs more in the smoothed state.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS, AffectReading, reading
from emotive_agents.router.shift import Shift, ShiftSettings, detect_shift


def is_low_mood(current: AffectReading, distressed: bool) -> bool:
    """A turn read as distressed (`distressed`: the policy's test) with sadness leading the negative
    labels: the low mood in which a counsellor reads an ambiguous act as risk. Fear (a scan, a stalker,
    a hacked account) and anger (a cancelled appointment) are distress too, but not this."""
    p = current.probabilities
    return distressed and p["sadness"] > 0 and p["sadness"] >= max(p[k] for k in NEGATIVE_LABELS)


class AffectTracker(BaseModel):
    """Smoothed affect so far. `alpha` is the weight of the newest turn (1.0: no memory)."""

    model_config = ConfigDict(frozen=True)

    alpha: float = Field(default=0.5, gt=0.0, le=1.0)
    turns: int = Field(default=0, ge=0)
    probabilities: dict[str, float] | None = None
    valence: float = Field(default=0.0, ge=-1.0, le=1.0)
    # Smoothed turn-to-turn change in valence: negative when the user is getting more upset.
    trend: float = 0.0
    last_valence: float | None = None
    turns_since_crisis: int | None = None  # None: no crisis so far
    crisis_category: str | None = None  # the risk category of the last crisis turn
    risk_level: float = Field(default=0.0, ge=0.0)  # accumulated conversation risk (CrisisResult.level)
    history: tuple[str, ...] = ()  # labels of the last few turns (at most 8), for the rationale
    # Whether each of the last few user turns (at most 8) read as low mood: distressed with sadness
    # leading the negative labels (the risk detector's distress lift needs several such turns).
    low_mood: tuple[bool, ...] = ()
    shift_settings: ShiftSettings = Field(default_factory=ShiftSettings)
    shift: Shift | None = None  # the newest turn's change of mood, if it was one

    @property
    def smoothed(self) -> AffectReading | None:
        """The smoothed reading, or None before the first turn."""
        if self.probabilities is None:
            return None
        return reading(self.probabilities, valence=self.valence)

    def update(
        self,
        current: AffectReading,
        *,
        crisis: bool = False,
        risk_level: float | None = None,
        crisis_category: str | None = None,
        low_mood: bool = False,
    ) -> AffectTracker:
        """The state after one more user turn (`risk_level`: the risk detector's level after it,
        `low_mood`: whether this turn read as low mood, see `low_mood`)."""
        shift = detect_shift(self.smoothed, current, self.shift_settings)
        a = max(self.alpha, self.shift_settings.alpha) if shift is not None else self.alpha
        if self.probabilities is None:
            probs = dict(current.probabilities)
            valence = current.valence
            trend = 0.0
        else:
            probs = {k: a * current.probabilities[k] + (1 - a) * self.probabilities[k] for k in LABELS}
            valence = a * current.valence + (1 - a) * self.valence
            step = current.valence - (self.last_valence if self.last_valence is not None else current.valence)
            trend = a * step + (1 - a) * self.trend
        if crisis:
            since: int | None = 0
        elif self.turns_since_crisis is not None:
            since = self.turns_since_crisis + 1
        else:
            since = None
        total = sum(probs.values())
        return self.model_copy(
            update={
                "turns": self.turns + 1,
                "probabilities": {k: v / total for k, v in probs.items()},
                "valence": max(-1.0, min(1.0, valence)),
                "trend": max(-2.0, min(2.0, trend)),
                "last_valence": current.valence,
                "turns_since_crisis": since,
                "crisis_category": (crisis_category or self.crisis_category)
                if crisis
                else self.crisis_category,
                "risk_level": self.risk_level if risk_level is None else max(0.0, risk_level),
                "history": (*self.history, current.label)[-8:],
                "low_mood": (*self.low_mood, low_mood)[-8:],
                "shift": shift,
            }
        )
