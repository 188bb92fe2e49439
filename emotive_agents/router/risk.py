"""The risk taxonomy and the result every risk detection returns.

Categories follow the Columbia Suicide Severity Rating Scale (C-SSRS: wish to be dead, active ideation,
method / intent / plan, preparatory behaviour, non-suicidal self-injury), plus the forms a chat message
takes that the scale does not name: hopelessness joined to wanting it to end, slang and euphemism, risk
to someone else, and risk tucked into an unrelated request. The router escalates on every category;
the category picks the escalation text (third-party risk gets guidance on helping the other person).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RISK_CATEGORIES: dict[str, str] = {
    "passive_ideation": "a wish to be dead or not to wake up, feeling others would be better off (C-SSRS 1)",
    "active_ideation": "thoughts of killing oneself, with or without a method (C-SSRS 2-3)",
    "plan_means_intent": "a method, the means at hand, a time or place, stated intent (C-SSRS 4-5)",
    "preparatory_behaviour": "goodbye letters, giving belongings away, settling affairs (C-SSRS behaviour)",
    "nssi": "non-suicidal self-harm: cutting, burning, hitting oneself, urges to",
    "hopelessness_with_risk": "hopelessness together with wanting it all to end or stop",
    "indirect_or_slang": "euphemism and slang: 'unalive', 'sleep forever', 'won't be a problem much longer'",
    "third_party": "someone else at risk: a friend, child, student, patient said or did one of the above",
    "embedded_in_request": "a risk statement inside an unrelated request (a refund, homework)",
}
NO_RISK = "none"
UNSPECIFIED = "unspecified"  # a deployer's `extra_patterns` hit (no category given)

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*|(?<=[.!?])(?=[A-Z])")
_REQUEST = re.compile(
    r"\?|\b(can|could|would|will)\s+(you|i)\b|\bplease\b|\bhow\s+(do|can|long|many|much)\b|\bhelp\s+me\b|"
    r"\b(i'?d|i\s+would)\s+like\b|\bi\s+need\s+to\s+(change|update|cancel|return|book|reset)\b|"
    r"\bwhat('?s|\s+is|\s+are|\s+time)\b|\bwhere\s+is\b|\bexplain\b|\bquick\s+question\b",
    re.IGNORECASE,
)


class RiskAssessment(BaseModel):
    """One detection: the category, a score in [0, 1], the evidence (phrases, sentences) and the layers
    that fired. `flagged` is the decision (`RouteDecision.crisis` for this turn)."""

    model_config = ConfigDict(frozen=True)

    category: str = NO_RISK
    score: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()
    flagged: bool = False

    def to_json(self) -> dict[str, Any]:
        """The `risk` field of `route --json` / `chat --json` and the server's decision."""
        return {
            "category": self.category,
            "score": round(self.score, 4),
            "evidence": list(self.evidence),
            "detectors": list(self.detectors),
        }


def normalise(text: str) -> str:
    """Typographic apostrophes to ASCII, whitespace collapsed (patterns and cache keys see this form)."""
    return re.sub(r"[ \t\r\f\v]+", " ", text.replace("’", "'").replace("‘", "'")).strip()


def sentences(text: str) -> list[str]:
    """The message's sentences (and lines), in order; the whole text when it has one."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    return parts or [text.strip()]


def units(text: str) -> list[str]:
    """What the semantic layer scores: the message, each sentence and each pair of adjacent sentences.

    Pairs keep a sentence's framing ("In my novel ... She writes a goodbye letter"), single sentences
    keep a risk sentence from being diluted by a long unrelated request around it.
    """
    parts = sentences(text)
    out = [text.strip()]
    if len(parts) > 1:
        out += parts
        out += [f"{a} {b}" for a, b in itertools.pairwise(parts)] if len(parts) > 2 else []
    return list(dict.fromkeys(u for u in out if u))


def is_request(text: str) -> bool:
    """True when the text asks for something (a question, 'can you', 'please', 'I'd like')."""
    return bool(_REQUEST.search(text))
