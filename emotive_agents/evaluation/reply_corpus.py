"""The project's reply corpus (data/replies.jsonl): one reply per (query, condition), tone differing only.

Loaded by the style judge (its training texts) and by lab scripts that validate the corpus; a malformed
row is refused with its line number, so a user's own corpus fails early and clearly.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

DEFAULT_REPLIES = Path(__file__).resolve().parent.parent / "data" / "replies.jsonl"
EMOTIONS: tuple[str, ...] = ("joy", "anger", "disgust", "fear", "sadness")
STYLES: tuple[str, ...] = ("calm", "encouraging", "patient")
CONDITIONS: tuple[str, ...] = ("neutral", *EMOTIONS, *STYLES)
DOMAINS: tuple[str, ...] = ("education", "healthcare", "support", "everyday")


class ReplyRow(BaseModel):
    """One reply: the query it answers, the tone it is written in, and the query's domain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str
    emotion: str
    response: str
    domain: str | None = None

    @field_validator("query", "response")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be a non-empty string")
        return value

    @field_validator("emotion")
    @classmethod
    def _known_condition(cls, value: str) -> str:
        if value not in CONDITIONS:
            raise ValueError(f"must be one of {CONDITIONS}, got {value!r}")
        return value

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str | None) -> str | None:
        if value is not None and value not in DOMAINS:
            raise ValueError(f"must be one of {DOMAINS}, got {value!r}")
        return value


def load_replies(path: str | Path = DEFAULT_REPLIES) -> list[ReplyRow]:
    """Every row of a reply JSONL file; raises ValueError naming the file and line of a bad row."""
    rows: list[ReplyRow] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(ReplyRow.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ValueError(f"{path}:{number}: malformed reply row: {exc}") from exc
    if not rows:
        raise ValueError(f"{path} holds no reply rows")
    return rows


def incomplete_queries(
    rows: Sequence[ReplyRow], conditions: Sequence[str] = CONDITIONS
) -> dict[str, list[str]]:
    """Query -> problems (a missing or repeated condition); empty when every query has each once."""
    seen: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        seen[row.query].append(row.emotion)
    problems: dict[str, list[str]] = {}
    for query, emotions in seen.items():
        issues = [f"missing {c}" for c in conditions if c not in emotions]
        issues += [f"repeated {c}" for c in dict.fromkeys(emotions) if emotions.count(c) > 1]
        if issues:
            problems[query] = issues
    return problems


def by_condition(rows: Sequence[ReplyRow]) -> dict[str, list[ReplyRow]]:
    """Condition -> its rows, in file order."""
    out: dict[str, list[ReplyRow]] = defaultdict(list)
    for row in rows:
        out[row.emotion].append(row)
    return dict(out)
