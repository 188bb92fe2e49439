"""Self-harm / suicide language detection: high recall, with the everyday idioms kept out.

Patterns rather than a classifier: a missed crisis costs far more than an extra escalation, the
patterns are auditable, and a deployer can add their own (other languages, local slang) without
training anything. Idioms ("this exam is killing me", "I could kill for a pizza", "I'm dying to see
it") are removed before matching, so they cannot trigger on their own, while a real crisis phrase in
the same message still does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

# First-person intent, plan or wish; written for recall (inflections, "wanna", missing apostrophes).
CRISIS_PATTERNS: tuple[str, ...] = (
    r"\bsuicid(e|al)\b",
    r"\bkill(ing|ed)?\s+my\s*self\b",
    r"\bkms\b",
    r"\bend(ing)?\s+(my|it)\s+(own\s+)?(life|all)\b",
    r"\bend\s+it\s+all\b",
    r"\bend\s+my\s+life\b",
    r"\btake\s+my\s+(own\s+)?life\b",
    r"\b(want|wanna|wish|going|planning|plan|ready|tempted)\s+(to\s+)?(just\s+|really\s+|simply\s+)?(die|be\s+dead)\b",
    r"\bwish\s+i\s+(was|were)\s+(dead|never\s+born|not\s+(here|alive))\b",
    r"\bwish\s+i\s+could\s+(just\s+)?(disappear\s+forever|die|not\s+wake\s+up)\b",
    r"\b(don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(live|be\s+alive|be\s+here|exist|wake\s+up)\b",
    r"\bnot\s+want(ing)?\s+to\s+(live|be\s+alive|wake\s+up)\b",
    r"\b(better\s+off|be\s+better)\s+(dead|without\s+me)\b",
    r"\bno\s+(reason|point)\s+(to|in)\s+(live|living|going\s+on|being\s+alive)\b",
    r"\bcan'?t\s+go\s+on\s+(living|like\s+this|anymore)\b",
    r"\b(hurt|harm|cut|cutting|burn|burning|hurting|harming)\s+my\s*self\b",
    r"\bself[\s-]?harm(ing)?\b",
    r"\boverdos(e|ing)\b",
    r"\b(swallow|take|took|taking)\s+(all|a\s+bunch\s+of|the\s+whole\s+bottle\s+of)\s+(my\s+)?(pills|tablets|meds)\b",
    r"\b(jump|jumping)\s+(off|from)\s+(a|the)\s+(bridge|roof|building)\b",
    r"\bhang(ing)?\s+my\s*self\b",
    r"\b(not|won'?t|will\s+not)\s+be\s+(around|here|alive)\s+(much\s+longer|anymore|tomorrow|for\s+long)\b",
    r"\bgoodbye\s+(letter|note)\b|\bsuicide\s+note\b",
    r"\bwrote\s+(a|my)\s+(goodbye|last)\s+(letter|note)\b",
)

# Figurative uses removed before matching. Each is specific enough never to swallow a crisis phrase.
IDIOM_PATTERNS: tuple[str, ...] = (
    r"\b(is|are|was|were|'s|'re)\s+(literally\s+|totally\s+|absolutely\s+|just\s+|really\s+)?killing\s+me\b",
    r"\b(gonna|going\s+to|will|would|'ll)\s+(literally\s+)?kill\s+me\b",
    r"\bcould\s+(literally\s+)?kill\s+(for|someone|him|her|them|you)\b",
    r"\bkill(ed|ing)?\s+(it|them)\b",
    r"\bkill(ed|ing)?\s+myself\s+laughing\b",
    r"\bdying\s+(to|for|of\s+laughter|laughing)\b",
    r"\b(to|would|'d)\s+die\s+for\b",
    r"\b(going\s+to|gonna)\s+die\s+(from|of)\s+(this|the|a|my)\s+(flu|cold|cough|fever|heat|boredom)\b",
    r"\b(bored|scared|frightened|worried|tickled|loved|stressed)\s+to\s+death\b",
    r"\bdie\s+(of|from)\s+(embarrassment|boredom|shame|laughter|laughing)\b",
    r"\bi'?m\s+dead\s*(lol|lmao|😂|💀)",
    r"\b(lol|lmao)\s+i'?m\s+dead\b",
    r"\bdrop[\s-]dead\s+gorgeous\b",
    r"\bmy\s+(phone|battery|laptop|car|plant|plants)\s+(is\s+)?(dying|died|dead)\b",
    r"\bsuicide\s+squad\b",
)


class CrisisResult(BaseModel):
    """Whether a text signals a crisis, and which phrases made it so (for the rationale and audits)."""

    model_config = ConfigDict(frozen=True)

    crisis: bool
    matches: tuple[str, ...] = ()


class CrisisDetector(BaseModel):
    """Regex crisis detector; `extra_patterns` / `extra_idioms` extend the shipped lists."""

    model_config = ConfigDict(frozen=True)

    patterns: tuple[str, ...] = CRISIS_PATTERNS
    idioms: tuple[str, ...] = IDIOM_PATTERNS
    extra_patterns: tuple[str, ...] = Field(default=())
    extra_idioms: tuple[str, ...] = Field(default=())

    _crisis: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _idioms: list[re.Pattern[str]] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: object, /) -> None:
        self._crisis = [re.compile(p, re.IGNORECASE) for p in (*self.patterns, *self.extra_patterns)]
        self._idioms = [re.compile(p, re.IGNORECASE) for p in (*self.idioms, *self.extra_idioms)]

    @staticmethod
    def _normalise(text: str) -> str:
        return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip()

    def detect(self, text: str) -> CrisisResult:
        cleaned = self._normalise(text)
        for idiom in self._idioms:
            cleaned = idiom.sub(" ", cleaned)
        found = (pattern.search(cleaned) for pattern in self._crisis)
        matches = tuple(m.group(0) for m in found if m)
        return CrisisResult(crisis=bool(matches), matches=matches)

    def detect_many(self, texts: Sequence[str]) -> list[CrisisResult]:
        return [self.detect(t) for t in texts]
