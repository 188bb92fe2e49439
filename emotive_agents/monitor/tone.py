"""What a mix should read as, and the words that ask the model for it on the retry.

The 135M model opens most replies with "I'm so glad / happy to help" almost whatever the mix, and a
bounded change of mix alone rarely changes that (measured in docs/server.md). So the retry also
changes the *wording* of the request: one short sentence appended to the system prompt that says the
tone the mix stands for, e.g. plain and factual for calm, warm and cheerful for joy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emotive_agents.generation.chat import ChatMessage
from emotive_agents.monitor.reading import ReplyReading

# The reader labels a reply steered toward each emotion/style should come out as.
EXPECTED_READS: dict[str, tuple[str, ...]] = {
    "joy": ("joy",),
    "encouraging": ("joy", "neutral"),
    "calm": ("neutral",),
    "patient": ("neutral",),
    "sadness": ("sadness", "neutral"),
    "anger": ("anger",),
    "disgust": ("disgust",),
    "fear": ("fear",),
}

PLAIN = (
    "Answer in a plain, neutral, factual tone: give the practical answer or next step directly, "
    "without emotional words."
)
WARM = "Reply warmly and cheerfully."


def expected_reads(
    mix: Mapping[str, float], *, distressed: bool = False, share: float = 0.4
) -> frozenset[str]:
    """The labels the asked mix reads as: those of every known emotion asked at ≥ `share` of the strongest.

    Empty when nothing known is asked positively (no expectation, no `off_tone` check). Toward a
    distressed user, joy is dropped whenever another label remains (the `celebrating_distress` rule).
    """
    asked = {k: v for k, v in mix.items() if v > 0 and k in EXPECTED_READS}
    if not asked:
        return frozenset()
    top = max(asked.values())
    labels = {label for k, v in asked.items() if v >= share * top for label in EXPECTED_READS[k]}
    if distressed and labels - {"joy"}:
        labels.discard("joy")
    return frozenset(labels)


def fit(reading: ReplyReading, expected: frozenset[str]) -> float:
    """How much of the reading's probability lies on the expected labels (0 when there are none)."""
    return sum(reading.probabilities.get(label, 0.0) for label in expected)


def instruction_for(expected: frozenset[str]) -> str:
    """The retry's tone sentence: warm for a joy-only expectation, plain and factual otherwise."""
    return WARM if expected and "neutral" not in expected and "joy" in expected else PLAIN


def with_instruction(messages: Sequence[ChatMessage], instruction: str | None) -> tuple[ChatMessage, ...]:
    """The messages with `instruction` appended to the (first) system prompt, or as a new one."""
    if not instruction:
        return tuple(messages)
    out = list(messages)
    for i, message in enumerate(out):
        if message.role == "system":
            out[i] = ChatMessage(role="system", content=f"{message.content.rstrip()} {instruction}")
            return tuple(out)
    return (ChatMessage(role="system", content=instruction), *out)
