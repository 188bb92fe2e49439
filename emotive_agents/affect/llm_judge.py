"""Any LangChain chat model as an emotion rater (optional; needs langchain-core).

A strong hosted or local model can rate replies the small classifiers misread (irony, mixed tone), but
it is slow, costs money or GPU time, and is not reproducible; it stays out of the default ensemble.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from emotive_agents.affect.types import LABELS, AffectReading, reading
from emotive_agents.errors import ModelLoadError

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You rate the emotion a text expresses. Answer with only a JSON object whose keys are exactly "
    + ", ".join(f'"{label}"' for label in LABELS)
    + " and whose values are probabilities between 0 and 1 that sum to 1. Use neutral for texts that "
    "express no emotion."
)
_JSON = re.compile(r"\{.*?\}", re.DOTALL)


def parse_rating(content: str) -> dict[str, float] | None:
    """The label -> score object in a model's answer, or None when there is none to read."""
    for match in _JSON.finditer(content):
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            scores = {
                k.lower(): float(v)
                for k, v in data.items()
                if k.lower() in LABELS and isinstance(v, int | float)
            }
            if scores and sum(max(v, 0.0) for v in scores.values()) > 0:
                return scores
    # A bare label ("sadness") is a usable answer too.
    words = re.findall(r"[a-z]+", content.lower())
    named = [w for w in words if w in LABELS]
    return {named[0]: 1.0} if named else None


class LLMJudge:
    """Rates each text with one chat-model call (batched through the model's `batch`)."""

    def __init__(
        self, chat_model: Any, *, name: str = "llm-judge", system_prompt: str = SYSTEM_PROMPT
    ) -> None:
        try:
            from langchain_core.messages import HumanMessage, SystemMessage
        except ImportError as exc:
            raise ModelLoadError("LLMJudge needs langchain-core: pip install langchain-core") from exc
        self._messages = (SystemMessage, HumanMessage)
        self.chat_model, self.name, self.system_prompt = chat_model, name, system_prompt
        self.failures = 0  # answers that could not be parsed (read as uniform)

    def predict(self, texts: Sequence[str]) -> list[AffectReading]:
        if not texts:
            return []
        system, human = self._messages
        answers = self.chat_model.batch([[system(self.system_prompt), human(t)] for t in texts])
        out = []
        for answer in answers:
            content = answer.content if isinstance(answer.content, str) else str(answer.content)
            scores = parse_rating(content)
            if scores is None:
                self.failures += 1
                log.warning("LLM judge: unreadable answer %r; reading it as uniform", content[:200])
                scores = dict.fromkeys(LABELS, 1.0)
            out.append(reading(scores))
        return out
