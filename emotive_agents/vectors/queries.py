"""Query sets and prompt pairs for extraction: the project's own files and the paper's JSON formats."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.vector_set import check_emotion_name

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_QUERIES = DATA_DIR / "extraction_queries.json"
DEFAULT_PROMPTS = DATA_DIR / "emotion_prompts.json"


class Query(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    domain: str | None = None
    emotion: str | None = None  # the emotion the query calls for, when the source says so


class EmotionPrompts(BaseModel):
    """A neutral system prompt and one emotion-conditioned system prompt per emotion or style."""

    neutral: str
    emotions: dict[str, str] = Field(default_factory=dict)

    def prompt(self, emotion: str) -> str:
        try:
            return self.emotions[emotion]
        except KeyError:
            raise VectorSetError(
                f"no prompt for emotion {emotion!r}; prompts exist for: {', '.join(self.emotions)}"
            ) from None


def load_queries(path: str | Path = DEFAULT_QUERIES) -> list[Query]:
    """Read the project's format ({"queries": [{"text"...}]}), EmotionQuery ({emotion: [..]}) or a list."""
    try:
        raw: Any = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise VectorSetError(f"query file {path} does not exist") from None
    except ValueError as exc:
        raise VectorSetError(f"query file {path} is not valid JSON: {exc}") from None
    if isinstance(raw, dict) and "queries" in raw:
        items = raw["queries"]
        queries = [Query(text=q) if isinstance(q, str) else Query.model_validate(q) for q in items]
    elif isinstance(raw, dict):
        queries = [Query(text=q, emotion=emotion) for emotion, texts in raw.items() for q in texts]
    elif isinstance(raw, list):
        queries = [Query(text=q) if isinstance(q, str) else Query.model_validate(q) for q in raw]
    else:
        raise VectorSetError(f"query file {path}: expected a JSON list or object")
    queries = [q for q in queries if q.text.strip()]
    if not queries:
        raise VectorSetError(f"query file {path} holds no queries")
    return queries


def load_prompts(path: str | Path = DEFAULT_PROMPTS) -> EmotionPrompts:
    """Read {"neutral": str, "emotions": {name: str | {"prompt": str}}}."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise VectorSetError(f"cannot read prompt file {path}: {exc}") from None
    emotions = {
        check_emotion_name(name): value["prompt"] if isinstance(value, dict) else value
        for name, value in raw.get("emotions", {}).items()
    }
    return EmotionPrompts(neutral=raw["neutral"], emotions=emotions)


def dataset_hash(queries: list[Query], prompts: EmotionPrompts) -> str:
    payload = json.dumps(
        {"queries": [q.text for q in queries], "prompts": prompts.model_dump()}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]
