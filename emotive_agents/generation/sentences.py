"""Sentence boundaries, so a reply cut by its token budget can end on a whole sentence.

A small model given `max_new_tokens` stops wherever the budget runs out, often mid-word. Trimming back to
the last sentence end (and saying so in `Usage.trimmed`) reads better than a dangling fragment; a soft
budget stops at the first sentence end past it, before the hard budget is reached.
"""

from __future__ import annotations

import re

# A sentence ends with . ! ? or an ellipsis, optionally followed by closing quotes/brackets, then
# whitespace or the end of the text. "e.g." or "3.5" can fool it; a reply that is cut is better off anyway.
_END = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d)\]]*(?=\s|$)")


def last_sentence_end(text: str) -> int | None:
    """Index just past the last complete sentence in `text`, or None when it has none."""
    end = None
    for match in _END.finditer(text):
        end = match.end()
    return end


def ends_sentence(text: str) -> bool:
    """True when `text` (ignoring trailing spaces) finishes with a sentence end."""
    stripped = text.rstrip()
    return bool(stripped) and last_sentence_end(stripped) == len(stripped)


def trim_to_sentence(text: str) -> tuple[str, bool]:
    """`text` cut back to its last sentence end, and whether anything was cut.

    A text without any sentence end is kept whole: an empty reply is worse than an unfinished one.
    """
    if ends_sentence(text):
        return text, False
    end = last_sentence_end(text)
    if end is None:
        return text, False
    return text[:end], True


_CONFIRMED_END = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d)\]]*(?=\s)")


def streamable_prefix(text: str) -> int:
    """How much of a growing text may be streamed when the reply might be trimmed: whole sentences only.

    Only sentence ends already followed by a space count ("3." may still become "3.5"), so whatever
    is streamed stays a prefix of the final, trimmed text.
    """
    end = 0
    for match in _CONFIRMED_END.finditer(text):
        end = match.end()
    return end
