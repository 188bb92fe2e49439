"""A scripted stand-in for the affect router, so session/runner/CLI tests need no classifier."""

from __future__ import annotations

from typing import Any

import pytest

from emotive_agents.affect.types import reading

LABELS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
ESCALATION = "Please call your local emergency number or a crisis line now."


class FakeDecision:
    """Quacks like the router's RouteDecision: reading, label, crisis, mix, rationale, escalation, current."""

    def __init__(self, label: str, mix: dict[str, float], rationale: str, crisis: bool = False) -> None:
        self.reading = {name: (0.7 if name == label else 0.05) for name in LABELS}
        self.label = label
        self.crisis = crisis
        self.mix = mix
        self.rationale = rationale
        self.escalation = ESCALATION if crisis else None
        # This turn alone reads the same as the conversation (the router's `current`).
        self.current = reading(self.reading)

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
        if "thank" in text:
            return FakeDecision("joy", {"joy": 0.5}, "share the joy")
        return FakeDecision("neutral", {"patient": 0.3}, "default tone")


@pytest.fixture
def fake_router() -> FakeRouter:
    return FakeRouter()


BOT_EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "calm", "encouraging", "patient")


@pytest.fixture(scope="session")
def bot_engine():
    """The tiny Llama with vectors for every emotion the bots' policies use."""
    from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors

    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.models.loading import LoadedModel
    from emotive_agents.vectors.vector_set import EmotionVectorSet

    loaded = LoadedModel.from_hf(build_tiny_llama(seed=1), make_tokenizer(SIMPLE_TEMPLATE), name="tiny-llama")
    vectors = random_vectors(LLAMA_LAYERS, emotions=BOT_EMOTIONS, scale=0.05)
    return EmotiveEngine(loaded, EmotionVectorSet.from_vectors(vectors, loaded.fingerprint))
