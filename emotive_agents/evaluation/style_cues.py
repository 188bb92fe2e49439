"""Lexical cues of an assistant's style that a sentence embedding of the topic-heavy reply blurs.

Calm, patient and encouraging replies share the topic and most words of a plain answer; what tells them
apart is a few phrases of pace ("no rush", "one thing at a time"), reassurance ("it will ease", "you're
safe"), tolerance of repetition ("happy to explain again", "not a dumb question"), step structure and
check-ins ("first ... then", "does that help?"), and agency ("you've got this", "!"). Each cue is a
capped count in [0, 1], so the style head can weigh it next to the MiniLM features.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch

_FLAGS = re.IGNORECASE
# (name, pattern, cap): the feature is min(matches, cap) / cap.
_CUES: tuple[tuple[str, str, int], ...] = (
    ("breath", r"\bbreath|\bbreathe|\binhale|\bexhale|\bshoulders\b", 2),
    (
        "reassure",
        r"\b(?:it|that|this)(?:'s| is) (?:okay|ok|alright|all right|normal|common|fixable|understandable)"
        r"|\bno need to (?:worry|panic|rush)|\bdon'?t (?:worry|panic)|\byou(?:'re| are) safe"
        r"|\b(?:will|should|tends to|usually) (?:ease|pass|settle|lift|calm)|\bnothing (?:needs|has) to"
        r"|\b(?:very|really|perfectly|completely) (?:common|normal|fixable)|\bcan wait\b|\bfor now\b"
        r"|\bin the meantime|\bokay to feel|\bit happens\b",
        3,
    ),
    (
        "pace",
        r"\bno (?:rush|hurry)|\btake your time|\bthere(?:'s| is) (?:time|no rush)|\bin (?:its|your) own time"
        r"|\bat your own pace|\bgently\b|\bsteady|\bsteadily|\bquiet(?:ly)?\b|\bcalm(?:ly)?\b|\bslow(?:ly)?\b"
        r"|\bslow (?:down|things)|\bpause\b|\brest\b|\bsettle",
        3,
    ),
    ("one_at_a_time", r"\bone (?:thing|step|piece|bit|part) at a time|\bjust (?:pick|start with) one", 1),
    (
        "again",
        r"\bagain\b|\bonce more|\banother (?:way|example|angle)|\bdon'?t apologi[sz]e|\bno need to apologi"
        r"|\bnot a (?:dumb|silly|stupid|bad) question|\bgood question|\bhappy to (?:explain|go|walk|help)"
        r"|\bof course\b|\bno problem\b|\bthat'?s (?:fine|okay) to ask|\bexactly how (?:learning|things)"
        r"|\bas many times|\bstill (?:confus|not sure)|\bthat'?s completely fine",
        3,
    ),
    (
        "steps",
        r"\bstep[- ]by[- ]step|\bfirst\b|\bnext\b|\bthen\b|\bafter that|\bfinally\b|\bpiece by piece"
        r"|\bclick by click|\bline by line|\bone at a time|\bstart with\b|\bonce (?:that|you)",
        4,
    ),
    (
        "check_in",
        r"\bdoes (?:that|this) (?:help|make sense)|\btell me (?:what|which|when|how|if)|\blet me know"
        r"|\bshall we|\bwould you like|\bwe(?:'ll| will) (?:carry on|go from there|take|try)"
        r"|\bwe can (?:go|look|try|take)|\btogether\b|\bwith you\b|\bi(?:'ll| will) (?:stay|walk|wait)",
        3,
    ),
    (
        "explain",
        r"\bthink of|\bimagine\b|\blike a\b|\bin other words|\bput (?:it )?(?:simply|plainly)|\bjust means"
        r"|\bfor example|\bpicture\b|\bin plain",
        2,
    ),
    (
        "agency",
        r"\byou(?:'ve| have) got (?:this|it)|\byou can\b"
        r"|\byou(?:'re| are) (?:more than )?(?:able|capable|ready)"
        r"|\byou(?:'ll| will) (?:get|do|be|nail|see)|\bbelieve\b|\bkeep (?:going|at it|it up|showing|practi)"
        r"|\bproud|\bgreat (?:job|work|question|progress|start)|\bwell done|\bamazing|\bbrilliant|\bprogress"
        r"|\bstep forward|\bgo for it|\bdefinitely|\babsolutely|\bin good company|\bstronger|\bmomentum",
        3,
    ),
    (
        "anger",
        r"\bfurious|\boutrag|\bridiculous|\bunacceptable|\bannoy|\bangry|\binfuriat|\bfed up|\bsick of",
        2,
    ),
    ("disgust", r"\bdisgust|\bgross|\brevolting|\bvile\b|\bnasty|\bsickening|\brepuls|\byuck|\bfilthy", 2),
    ("fear", r"\bterrif|\bscared|\bafraid|\bfrighten|\bdread|\balarming|\bnervous|\bpanick", 2),
    (
        "sadness",
        r"\bsad\b|\bsadly|\bheartbreak|\bunfortunately|\bgloomy|\blonely|\bgrief|\bmiss\b|\bsorrow",
        2,
    ),
    ("joy", r"\bwonderful|\bdelight|\blove\b|\bexcit|\bfantastic|\bhappy\b|\byay\b|\bthrilled|\bjoy", 2),
)
_COMPILED = tuple((name, re.compile(pattern, _FLAGS), cap) for name, pattern, cap in _CUES)
_WORD = re.compile(r"[A-Za-z']+")
CUE_NAMES: tuple[str, ...] = (
    *(name for name, _, _ in _CUES),
    "exclaim",
    "question",
    "digits",
    "second_person",
    "first_plural",
    "sentences",
    "sentence_length",
)


def _cap(value: float, cap: float) -> float:
    return min(value, cap) / cap


def cue_vector(text: str) -> list[float]:
    """The CUE_NAMES features of one text, each in [0, 1]."""
    words = [w.lower() for w in _WORD.findall(text)]
    n_words = max(len(words), 1)
    n_sentences = max(len([s for s in re.split(r"(?<=[.!?;])\s+", text.strip()) if s]), 1)
    row = [_cap(len(pattern.findall(text)), cap) for _, pattern, cap in _COMPILED]
    row += [
        _cap(text.count("!"), 2),
        _cap(text.count("?"), 2),
        _cap(len(re.findall(r"\d+", text)), 4),
        _cap(
            sum(w in {"you", "your", "you're", "you've", "you'll", "yourself"} for w in words) / n_words, 0.15
        ),
        _cap(sum(w in {"we", "let's", "us", "we'll", "we're"} for w in words) / n_words, 0.08),
        _cap(n_sentences, 5),
        _cap(n_words / n_sentences, 30),
    ]
    return row


def cue_features(texts: Sequence[str]) -> torch.Tensor:
    """[n, len(CUE_NAMES)] float32 cue features."""
    return torch.tensor([cue_vector(t) for t in texts], dtype=torch.float32).reshape(
        len(texts), len(CUE_NAMES)
    )
