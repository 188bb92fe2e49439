"""Fakes shared by the bots tests (a uniquely named module: `conftest` names clash across test folders)."""

from __future__ import annotations

from typing import Any

from emotive_agents.affect.types import reading

LABELS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
ESCALATION = "Please call your local emergency number or a crisis line now."


class FakeDecision:
    """Quacks like the router's RouteDecision: reading, label, crisis, mix, rationale, escalation, current."""

    def __init__(
        self,
        label: str,
        mix: dict[str, float],
        rationale: str,
        crisis: bool = False,
        shift: dict[str, Any] | None = None,
    ) -> None:
        self.reading = {name: (0.7 if name == label else 0.05) for name in LABELS}
        self.label = label
        self.crisis = crisis
        self.mix = mix
        self.rationale = rationale
        self.escalation = ESCALATION if crisis else None
        # This turn alone reads the same as the conversation (the router's `current`).
        self.current = reading(self.reading)
        self.shift = shift  # the router's Shift, in its JSON form ({from, to, strength}) or None

    def to_json(self) -> dict[str, Any]:
        return {
            "reading": dict(self.reading),
            "label": self.label,
            "crisis": self.crisis,
            "risk": {
                "category": "active_ideation" if self.crisis else "none",
                "score": 0.95 if self.crisis else 0.0,
                "evidence": ["'end it all'"] if self.crisis else [],
                "detectors": ["patterns"] if self.crisis else [],
            },
            "mix": dict(self.mix),
            "rationale": self.rationale,
            "shift": self.shift,
        }


class FakeRouter:
    """Keyword rules on the last user message; records every conversation it was asked about."""

    def __init__(self) -> None:
        self.calls: list[list[dict[str, str]]] = []

    def invoke(self, messages: list[dict[str, str]]) -> FakeDecision:
        self.calls.append([dict(m) for m in messages])
        text = messages[-1]["content"].lower()
        if "end it all" in text:
            return FakeDecision("sadness", {"calm": 0.6}, "crisis language", crisis=True)
        if "ridiculous" in text or "angry" in text:
            return FakeDecision("anger", {"calm": 0.8, "patient": 0.4}, "de-escalate anger")
        if "passed" in text:
            shift = {"from": "fear", "to": "joy", "strength": 0.5}
            return FakeDecision("joy", {"joy": 0.4, "calm": 0.3}, "relief", shift=shift)
        if "thank" in text:
            return FakeDecision("joy", {"joy": 0.5}, "share the joy")
        return FakeDecision("neutral", {"patient": 0.3}, "default tone")


BOT_EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "calm", "encouraging", "patient")
