"""A deterministic stand-in classifier, so router tests need no embedding model."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from emotive_agents.affect.types import LABELS, AffectReading, reading

KEYWORDS: dict[str, str] = {
    "angry": "anger",
    "furious": "anger",
    "gross": "disgust",
    "scared": "fear",
    "nervous": "fear",
    "happy": "joy",
    "great": "joy",
    "sad": "sadness",
    "crying": "sadness",
    "wow": "surprise",
}


def peaked(label: str, mass: float = 0.8) -> AffectReading:
    """A reading with `mass` on `label` and the rest spread evenly."""
    rest = (1.0 - mass) / (len(LABELS) - 1)
    return reading({k: (mass if k == label else rest) for k in LABELS})


class KeywordClassifier:
    """Reads the first keyword it finds; neutral otherwise. Counts the texts it was asked to read."""

    name = "keywords"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        self.calls.append(list(texts))
        out = []
        for text in texts:
            low = text.lower()
            label = next((lab for word, lab in KEYWORDS.items() if word in low), "neutral")
            out.append(peaked(label))
        return out


# A fearful conversation that turns to joy on its last turn: KeywordClassifier reads a mood shift there.
SHIFT_CONVERSATION: list[BaseMessage] = [
    SystemMessage("be kind"),
    HumanMessage("I'm scared"),
    AIMessage("I'm so sorry to hear that."),
    HumanMessage("still scared"),
    AIMessage("That sounds hard."),
    HumanMessage("I'm so happy, all is fine!"),
]
