"""Suicide and self-harm risk detection, layered and erring on recall: patterns, meaning, conversation.

1. **Patterns** (`risk_patterns`): auditable regular expressions by risk category; a deployer adds
   their own (other languages, local slang) with `extra_patterns` / `category_patterns` and
   `extra_idioms`. Idioms only remove a hit that lies wholly inside them, so "this exam is killing me"
   cannot trigger while "I want to die for real" still does. Past, fictional, news or game framing
   in the hit's sentence lowers it below the alarm line unless the hit's clause has a present-tense
   first-person anchor ("I want", "I'm going to", "tonight", "again") or the hit is quoted.
2. **Meaning** (`risk_semantic`): MiniLM embeddings + a trained head, on the message, each sentence and
   each pair of sentences, catching the wordings no pattern knows. Two heads: the **flag head**
   (`data/router/risk_flag_head`, trained with ordinary turns as negatives) decides whether a turn is
   flagged on its own; the **conversation head** (`data/router/risk_head`) keeps its moderate band
   (0.3-0.5) for the conversation layers, which the flag head flattens (docs/router.md, "Round 6b").
3. **Conversation**: the last user turns read together, and a risk level that accumulates over turns,
   so "I've written the letters" after several hopeless turns escalates at that turn.

Every layer reports on one scale: 0.5 is the alarm line (a layer's raw score is mapped so that its
tune-split threshold lands there), and the turn's `risk.score` is the highest layer's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from emotive_agents.router.risk import (
    NO_RISK,
    UNSPECIFIED,
    RiskAssessment,
    is_request,
    normalise,
    sentences,
    units,
)
from emotive_agents.router.risk_patterns import (
    CATEGORY_PATTERNS,
    CLAUSE_SPLIT,
    FRAMING_CUES,
    IDIOM_PATTERNS,
    PAST_IN_CLAUSE,
    PRESENT_ANCHORS,
    PRESENT_TIME,
    RELATION,
    compile_all,
)
from emotive_agents.router.risk_patterns_generic import PAIR_PATTERNS

if TYPE_CHECKING:
    from emotive_agents.router.risk_semantic import SemanticRiskScorer

# Every shipped pattern, flat (the pre-taxonomy name; `CATEGORY_PATTERNS` has them by category).
CRISIS_PATTERNS: tuple[str, ...] = tuple(p for ps in CATEGORY_PATTERNS.values() for p in ps)
ALARM = 0.5  # every layer's score is on this scale: at or above it the turn is flagged
PATTERN_SCORE = 0.95
FRAMED_SCORE = 0.35  # a hit framed as past, fiction, news or a game: below the line, the meaning decides
CONTEXT_TURNS = 2  # earlier user turns read together with the newest one
# In a conversation the affect reader finds distressed, a turn this close to the line is flagged: an
# ambiguous act ("I've written the letters") after several sad turns is what a counsellor escalates.
DISTRESSED_FLOOR = 0.4


_CLAUSE = re.compile(CLAUSE_SPLIT, re.IGNORECASE)
_PAST = re.compile(PAST_IN_CLAUSE, re.IGNORECASE)
_NOW = re.compile(PRESENT_TIME, re.IGNORECASE)
_QUOTE = re.compile(r"\"[^\"]+\"|“[^”]+”")


def _quoted(sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE.finditer(sentence)]


class CrisisResult(BaseModel):
    """Whether a turn signals a crisis, its risk assessment, the evidence, and the conversation level."""

    model_config = ConfigDict(frozen=True)

    crisis: bool
    matches: tuple[str, ...] = ()  # the evidence (pattern phrases, sentences) behind a flagged turn
    risk: RiskAssessment = Field(default_factory=RiskAssessment)
    level: float = 0.0  # accumulated conversation risk after this turn (keep it in the tracker)


def _calibrated(raw: float, threshold: float) -> float:
    """Map a raw score so that `threshold` lands on the alarm line, monotonically, into [0, 1]."""
    if raw < threshold:
        return ALARM * raw / threshold if threshold > 0 else ALARM
    return ALARM + (1 - ALARM) * (raw - threshold) / max(1e-9, 1 - threshold)


class CrisisDetector(BaseModel):
    """Layered risk detector (see module docstring). `semantic=False` keeps the pattern layer only."""

    model_config = ConfigDict(frozen=True)

    patterns: tuple[str, ...] = CRISIS_PATTERNS  # replace to drop the shipped categories (-> unspecified)
    category_patterns: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # added, by category
    idioms: tuple[str, ...] = IDIOM_PATTERNS
    extra_patterns: tuple[str, ...] = Field(default=())  # added, category "unspecified"
    extra_idioms: tuple[str, ...] = Field(default=())
    semantic: bool = True
    flag_head: bool = True  # False: the conversation head flags single turns too (before round 6b)
    device: str = "cpu"

    _by_category: list[tuple[str, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _pairs: list[tuple[str, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _idioms: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _framing: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _anchors: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _relation: re.Pattern[str] = PrivateAttr(default=re.compile(RELATION, re.IGNORECASE))
    _scorer: SemanticRiskScorer | None = PrivateAttr(default=None)
    _flag_scorer: SemanticRiskScorer | None = PrivateAttr(default=None)

    def model_post_init(self, context: object, /) -> None:
        shipped = self.patterns == CRISIS_PATTERNS
        table: dict[str, tuple[str, ...]] = (
            dict(CATEGORY_PATTERNS) if shipped else {UNSPECIFIED: self.patterns}
        )
        for category, extra in self.category_patterns.items():
            table[category] = (*table.get(category, ()), *extra)
        table[UNSPECIFIED] = (*table.get(UNSPECIFIED, ()), *self.extra_patterns)
        self._by_category = [(c, p) for c, ps in table.items() for p in compile_all(ps)]
        pairs = PAIR_PATTERNS if shipped else {}
        self._pairs = [(c, p) for c, ps in pairs.items() for p in compile_all(ps)]
        self._idioms = compile_all((*self.idioms, *self.extra_idioms))
        self._framing = {k: re.compile(v, re.IGNORECASE) for k, v in FRAMING_CUES.items()}
        self._anchors = compile_all(PRESENT_ANCHORS)

    def use_scorer(self, scorer: SemanticRiskScorer) -> CrisisDetector:
        """Read meaning with this scorer (e.g. one sharing an embedder); returns self."""
        self._scorer = scorer
        return self

    def use_flag_scorer(self, scorer: SemanticRiskScorer) -> CrisisDetector:
        """Flag single turns with this scorer (the flag head); returns self."""
        self._flag_scorer = scorer
        return self

    @property
    def scorer(self) -> SemanticRiskScorer:
        """The conversation head's scorer (and the flag scorer when `flag_head` is False)."""
        if self._scorer is None:
            from emotive_agents.router.risk_semantic import SemanticRiskScorer

            self._scorer = SemanticRiskScorer(device=self.device)
        return self._scorer

    @property
    def flag_scorer(self) -> SemanticRiskScorer:
        """The flag head's scorer (loaded on first use), or `scorer` when `flag_head` is False."""
        if not self.flag_head:
            return self.scorer
        if self._flag_scorer is None:
            from emotive_agents.router.risk_semantic import FLAG_HEAD_DIR, RiskHead, SemanticRiskScorer

            self._flag_scorer = SemanticRiskScorer(device=self.device, head=RiskHead(FLAG_HEAD_DIR))
        return self._flag_scorer

    # -- layer 1: patterns --------------------------------------------------------------------------
    def _framing_of(self, text: str) -> list[str]:
        return [name for name, cue in self._framing.items() if cue.search(text)]

    def _anchored(self, sentence: str) -> bool:
        return any(a.search(sentence) for a in self._anchors)

    def _anchored_at(self, sentence: str, start: int, end: int) -> bool:
        """A present anchor in the clause(s) the hit spans (not elsewhere in the sentence)."""
        cuts = [0, *(m.end() for m in _CLAUSE.finditer(sentence)), len(sentence) + 1]
        lo = max(c for c in cuts if c <= start)
        hi = min(c for c in cuts if c >= end) if any(c >= end for c in cuts) else len(sentence)
        clause = sentence[lo:hi]
        if _PAST.search(clause) and not _NOW.search(clause):
            return False
        return self._anchored(clause)

    def pattern_hits(self, text: str) -> list[tuple[str, str, float]]:
        """(category, phrase, score) for every hit not wholly inside an idiom; framed hits score low."""
        clean = normalise(text)
        related = bool(self._relation.search(clean))
        hits: list[tuple[str, str, float]] = []
        framed_message = bool(self._framing_of(clean))
        for sentence in sentences(clean):
            framing = self._framing_of(sentence)  # framing counts in the hit's own sentence only
            idiom_spans = [m.span() for idiom in self._idioms for m in idiom.finditer(sentence)]
            for category, pattern in self._by_category:
                for m in pattern.finditer(sentence):
                    if any(a <= m.start() and m.end() <= b for a, b in idiom_spans):
                        continue
                    quoted = any(a < m.start() and m.end() <= b for a, b in _quoted(sentence))
                    if category == "third_party":  # no relation named: framing anywhere in the message
                        framed = (framed_message and not related) or "past_resolved" in framing
                    else:
                        framed = bool(framing) and (quoted or not self._anchored_at(sentence, *m.span()))
                    hits.append((category, m.group(0), FRAMED_SCORE if framed else PATTERN_SCORE))
        return hits + self._pair_hits(sentences(clean))

    def _pair_hits(self, parts: list[str]) -> list[tuple[str, str, float]]:
        """Hits of the structures that span sentences (`PAIR_PATTERNS`) on each run of two or three
        adjacent sentences; framing in the run lowers a hit unless its last sentence is anchored."""
        hits: list[tuple[str, str, float]] = []
        for size in (2, 3):
            for start in range(len(parts) - size + 1):
                run = " ".join(parts[start : start + size])
                framed = bool(self._framing_of(run)) and not self._anchored(parts[start + size - 1])
                for category, pattern in self._pairs:
                    for m in pattern.finditer(run):
                        hits.append((category, m.group(0), FRAMED_SCORE if framed else PATTERN_SCORE))
        return hits

    # -- layer 2: meaning ---------------------------------------------------------------------------
    def semantic_score(self, text: str, scorer: SemanticRiskScorer | None = None) -> tuple[float, str, str]:
        """(calibrated score, category, the text unit that scored it) over the message's units, by
        `scorer` (default: the conversation head's).

        In a message framed as past, fiction, news or a game, a sentence lifted out of it only counts
        when it has a present anchor of its own; the whole message always counts.
        """
        scorer = scorer or self.scorer
        clean = normalise(text)
        parts = units(clean)
        scores = scorer.score(parts)
        threshold = scorer.card.threshold
        framed = bool(self._framing_of(clean))
        best = (0.0, NO_RISK, clean)
        for i, (unit, s) in enumerate(zip(parts, scores, strict=True)):
            if i > 0 and framed and not self._anchored(unit):
                continue
            value = _calibrated(s.score, threshold)
            if value > best[0]:
                best = (value, s.category, unit)
        return best

    # -- the turn -----------------------------------------------------------------------------------
    def detect(
        self, text: str, context: Sequence[str] = (), level: float = 0.0, *, distressed: bool = False
    ) -> CrisisResult:
        """Assess one user turn; `context` are the earlier user turns (oldest first), `level` the
        conversation's accumulated risk before this turn (`CrisisResult.level` after it), `distressed`
        whether the affect reader found the earlier turns distressed (the router passes it)."""
        hits = self.pattern_hits(text)
        layer: dict[str, tuple[float, str, str]] = {}
        if hits:
            category, phrase, score = max(hits, key=lambda h: h[2])
            layer["patterns"] = (score, category, phrase)
        own = layer.get("patterns", (0.0, NO_RISK, ""))[0]
        flag = own  # the highest score that flags this turn on its own
        card = None
        mood = (0.0, NO_RISK, "")
        if self.semantic:
            card = self.scorer.card
            mood = self.semantic_score(text)
            layer["semantic"] = self.semantic_score(text, self.flag_scorer) if self.flag_head else mood
            if self.flag_head:  # reported, never fires: an unflagged turn's score is the higher reading
                layer["conversation_head"] = (min(mood[0], ALARM - 1e-6), mood[1], mood[2])
            flag = max(own, layer["semantic"][0])
            own = max(own, mood[0])  # what the conversation layers read
            earlier = [t for t in context if t.strip()][-CONTEXT_TURNS:]
            # the earlier turns must carry something (a risk level, a low mood): three ordinary turns
            # read together do not lift one near the floor
            if earlier and own >= card.turn_floor and (level > 0 or distressed):
                joined = " ".join(normalise(t) for t in (*earlier, text))
                raw = self.scorer.score([joined])[0]
                layer["context"] = (
                    _calibrated(raw.score, card.context_threshold),
                    raw.category,
                    f"the last {len(earlier) + 1} user turns read together",
                )
        if distressed and own >= DISTRESSED_FLOOR and flag < ALARM:
            layer["distress"] = (
                ALARM + 0.01,
                mood[1],
                f"a risk signal ({own:.2f}) in a conversation read as distressed",
            )
        new_level = level
        if card is not None:
            added = own if own >= card.accumulate_floor else 0.0
            new_level = card.accumulate_decay * level + added
            if new_level >= card.accumulate_threshold and own >= card.accumulate_floor:
                layer["accumulation"] = (
                    ALARM + 0.01,
                    mood[1],
                    f"risk accumulated over turns (level {new_level:.2f})",
                )
        return self._result(text, hits, layer, new_level)

    def _result(
        self,
        text: str,
        hits: list[tuple[str, str, float]],
        layer: dict[str, tuple[float, str, str]],
        level: float,
    ) -> CrisisResult:
        fired = [name for name, (score, _, _) in layer.items() if score >= ALARM]
        score = max((s for s, _, _ in layer.values()), default=0.0)
        if not fired:
            return CrisisResult(
                crisis=False, risk=RiskAssessment(score=min(score, 1.0)), level=round(level, 6)
            )
        top = max(fired, key=lambda name: layer[name][0])
        category = layer[top][1]
        evidence = [repr(p) for c, p, s in hits if s >= ALARM][:3]
        for name in fired:
            if name != "patterns":
                s, cat, unit = layer[name]
                evidence.append(f"{name} {s:.2f} ({cat}): {unit!r}"[:200])
        if category == NO_RISK:  # a layer without a category of its own (accumulation)
            category = next((c for c, _, s in hits), "hopelessness_with_risk")
        if category not in ("third_party", "embedded_in_request") and self._embedded(text, hits, layer):
            category = "embedded_in_request"
        return CrisisResult(
            crisis=True,
            matches=tuple(evidence),
            risk=RiskAssessment(
                category=category,
                score=min(score, 1.0),
                evidence=tuple(evidence),
                detectors=tuple(fired),
                flagged=True,
            ),
            level=round(level, 6),
        )

    def _embedded(
        self, text: str, hits: list[tuple[str, str, float]], layer: dict[str, tuple[float, str, str]]
    ) -> bool:
        """True when another sentence of the message is an unrelated request."""
        parts = sentences(normalise(text))
        if len(parts) < 2:
            return False
        risky = [p for _, p, s in hits if s >= ALARM]
        if "semantic" in layer and layer["semantic"][0] >= ALARM:
            risky.append(layer["semantic"][2])
        return any(is_request(p) and not any(r in p or p in r for r in risky) for p in parts)

    def detect_many(self, texts: Sequence[str]) -> list[CrisisResult]:
        """Each text alone (no conversation context)."""
        return [self.detect(t) for t in texts]

    def detect_conversation(
        self, turns: Sequence[str], level: float = 0.0, distressed: Sequence[bool] | None = None
    ) -> list[CrisisResult]:
        """Each user turn in order, with the earlier turns as context and the level carried along
        (`distressed[i]`: the affect reader's view of the turns before turn i; the router's is used
        when it routes)."""
        out = []
        for i, text in enumerate(turns):
            flag = bool(distressed[i]) if distressed is not None else False
            result = self.detect(text, turns[max(0, i - CONTEXT_TURNS) : i], level, distressed=flag)
            level = result.level
            out.append(result)
        return out
