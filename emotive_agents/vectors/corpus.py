"""Reply corpora for teacher-forced extraction and training: JSONL rows of {query, emotion, response}.

One row is one reply to one query in one tone; `"neutral"` marks the neutral rows. Every query that
has an emotional reply needs a neutral reply too, because vectors are differences against it (and
the trainer keeps the steered model close to the unsteered one on the neutral replies). The one
loader for the shipped corpus (data/replies.jsonl, which also tags each row with its `domain`) and
for users' own `--responses` files; the style judge and the lab scripts read it here too.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.queries import DATA_DIR
from emotive_agents.vectors.vector_set import check_emotion_name

DEFAULT_REPLIES = DATA_DIR / "replies.jsonl"
NEUTRAL = "neutral"
FIELDS = ("query", "emotion", "response")
EMOTIONS: tuple[str, ...] = ("joy", "anger", "disgust", "fear", "sadness")
STYLES: tuple[str, ...] = ("calm", "encouraging", "patient")
CONDITIONS: tuple[str, ...] = (NEUTRAL, *EMOTIONS, *STYLES)  # the shipped corpus has each once per query
DOMAINS: tuple[str, ...] = ("education", "healthcare", "support", "everyday")


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    emotion: str  # an emotion or style name, or "neutral"
    response: str
    domain: str | None = None  # optional tag of the shipped corpus (one of DOMAINS)


class ReplyCorpus(BaseModel):
    """Validated rows, in file order."""

    model_config = ConfigDict(frozen=True)

    rows: tuple[Reply, ...]
    source: str = ""

    @property
    def queries(self) -> list[str]:
        """Distinct queries in order of first appearance."""
        return list(dict.fromkeys(r.query for r in self.rows))

    @property
    def emotions(self) -> list[str]:
        """Distinct non-neutral conditions in order of first appearance."""
        return list(dict.fromkeys(r.emotion for r in self.rows if r.emotion != NEUTRAL))

    def replies(self, emotion: str) -> list[Reply]:
        return [r for r in self.rows if r.emotion == emotion]

    def subset(self, queries: Iterable[str]) -> ReplyCorpus:
        keep = set(queries)
        return ReplyCorpus(rows=tuple(r for r in self.rows if r.query in keep), source=self.source)

    def require(self, emotions: Sequence[str]) -> None:
        """Fail with the list of what is missing when an emotion has no replies."""
        missing = [e for e in emotions if not self.replies(e)]
        if missing:
            raise VectorSetError(
                f"{self.source or 'the reply corpus'} has no replies for: {', '.join(missing)} "
                f"(it has: {', '.join(self.emotions) or 'none'})"
            )

    def digest(self) -> str:
        # The text fields only, so tagging rows (domain) keeps the digest stored in vector sets.
        payload = json.dumps([r.model_dump(include=set(FIELDS)) for r in self.rows], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _row(raw: object, where: str) -> Reply:
    if not isinstance(raw, dict):
        raise VectorSetError(f"{where}: each line must be a JSON object with {', '.join(FIELDS)}")
    missing = [f for f in FIELDS if f not in raw]
    if missing:
        raise VectorSetError(f"{where}: missing field(s) {', '.join(missing)}")
    for field in FIELDS:
        value = raw[field]
        if not isinstance(value, str):
            raise VectorSetError(f"{where}: {field!r} must be a string, got {type(value).__name__}")
        if not value.strip():
            raise VectorSetError(f"{where}: {field!r} is empty")
    emotion = raw["emotion"].strip()
    if emotion != NEUTRAL:
        try:
            check_emotion_name(emotion)
        except ValueError as exc:
            raise VectorSetError(f"{where}: {exc}") from None
    domain = raw.get("domain")
    if domain is not None and domain not in DOMAINS:
        raise VectorSetError(f"{where}: 'domain' must be one of {', '.join(DOMAINS)}, got {domain!r}")
    return Reply(query=raw["query"].strip(), emotion=emotion, response=raw["response"].strip(), domain=domain)


def parse_replies(lines: Iterable[str], source: str = "<replies>") -> ReplyCorpus:
    """Validate JSONL text; errors name the file and line."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise VectorSetError(f"{source}:{number}: not valid JSON ({exc})") from None
        rows.append(_row(raw, f"{source}:{number}"))
    if not rows:
        raise VectorSetError(f"{source} holds no replies")
    with_neutral = {r.query for r in rows if r.emotion == NEUTRAL}
    orphans = list(dict.fromkeys(r.query for r in rows if r.query not in with_neutral))
    if orphans:
        shown = "; ".join(repr(q[:60]) for q in orphans[:3])
        raise VectorSetError(
            f"{source}: {len(orphans)} quer{'y has' if len(orphans) == 1 else 'ies have'} no "
            f'"neutral" reply (every query needs one to compare against): {shown}'
        )
    corpus = ReplyCorpus(rows=tuple(rows), source=source)
    if not corpus.emotions:
        raise VectorSetError(f"{source} holds only neutral replies; add rows for an emotion")
    return corpus


def load_replies(path: str | Path = DEFAULT_REPLIES) -> ReplyCorpus:
    """Read and validate a reply corpus file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VectorSetError(f"reply file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise VectorSetError(f"cannot read reply file {path}: {exc}") from None
    return parse_replies(text.splitlines(), str(path))


def split_queries(queries: Sequence[str], holdout: float, seed: int = 0) -> tuple[list[str], list[str]]:
    """(train, held-out) by a seeded hash of each query, so the split does not depend on file order."""
    if not 0.0 <= holdout < 1.0:
        raise ValueError(f"holdout must be in [0, 1), got {holdout}")

    def key(query: str) -> str:
        return hashlib.sha256(f"{seed}:{query}".encode()).hexdigest()

    ordered = sorted(queries, key=key)
    count = round(len(ordered) * holdout) if holdout else 0
    if holdout and len(ordered) > 1:
        count = max(1, count)
    held = set(ordered[:count])
    return [q for q in queries if q not in held], [q for q in queries if q in held]


def incomplete_queries(rows: Iterable[Reply], conditions: Sequence[str] = CONDITIONS) -> dict[str, list[str]]:
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


def by_condition(rows: Iterable[Reply]) -> dict[str, list[Reply]]:
    """Condition -> its rows, in file order."""
    out: dict[str, list[Reply]] = defaultdict(list)
    for row in rows:
        out[row.emotion].append(row)
    return dict(out)
