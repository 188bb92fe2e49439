"""Query sets and prompt pairs for extraction: the project's own files and the paper's JSON formats."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.chat import ChatMessage
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


Placement = Literal["system", "user", "both"]


class EmotionPrompts(BaseModel):
    """A neutral and one emotion-conditioned system prompt per emotion or style, plus optional
    instructions appended to the user turn (small models follow those far better than system prompts)."""

    neutral: str
    emotions: dict[str, str] = Field(default_factory=dict)
    user_neutral: str | None = None
    user_emotions: dict[str, str] = Field(default_factory=dict)

    def prompt(self, emotion: str) -> str:
        try:
            return self.emotions[emotion]
        except KeyError:
            raise VectorSetError(
                f"no prompt for emotion {emotion!r}; prompts exist for: {', '.join(self.emotions)}"
            ) from None

    def user_instruction(self, emotion: str | None) -> str:
        text = self.user_neutral if emotion is None else self.user_emotions.get(emotion)
        if text is None:
            raise VectorSetError(
                f"no user-turn instruction for {emotion or 'neutral'!r}; add 'user' to the prompt file "
                "or use placement 'system'"
            )
        return text

    def messages(self, emotion: str | None, query: str, placement: Placement = "system") -> list[ChatMessage]:
        """The conversation for one condition (`emotion=None` is the neutral one)."""
        out = []
        if placement in ("system", "both"):
            out.append(
                ChatMessage(role="system", content=self.neutral if emotion is None else self.prompt(emotion))
            )
        user = query if placement == "system" else f"{query}\n\n{self.user_instruction(emotion)}"
        out.append(ChatMessage(role="user", content=user))
        return out


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


# EmotionQuery+ (arXiv 2502.04075): 250 emotional queries in blocks of 50, then 150 neutral ones.
EMOTION_QUERY_PLUS_BLOCKS: tuple[tuple[str, int], ...] = (
    ("anger", 50),
    ("disgust", 50),
    ("fear", 50),
    ("joy", 50),
    ("sadness", 50),
    ("neutral", 150),
)


def label_blocks(queries: list[Query], blocks: tuple[tuple[str, int], ...]) -> list[Query]:
    """Give each query the emotion of its block, for files (like EmotionQuery+) that order them so."""
    total = sum(size for _, size in blocks)
    if len(queries) != total:
        raise VectorSetError(f"expected {total} queries in blocks {blocks}, got {len(queries)}")
    names = [name for name, size in blocks for _ in range(size)]
    return [q.model_copy(update={"emotion": name}) for q, name in zip(queries, names, strict=True)]


def load_prompts(path: str | Path = DEFAULT_PROMPTS) -> EmotionPrompts:
    """Read {"neutral", "user_neutral"?, "emotions": {name: str | {"prompt": str, "user"?: str}}}."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise VectorSetError(f"cannot read prompt file {path}: {exc}") from None
    items = raw.get("emotions", {}).items()
    emotions = {
        check_emotion_name(name): value["prompt"] if isinstance(value, dict) else value
        for name, value in items
    }
    user = {name: value["user"] for name, value in items if isinstance(value, dict) and "user" in value}
    return EmotionPrompts(
        neutral=raw["neutral"], emotions=emotions, user_neutral=raw.get("user_neutral"), user_emotions=user
    )


def dataset_hash(queries: list[Query], prompts: EmotionPrompts) -> str:
    payload = json.dumps(
        {"queries": [q.text for q in queries], "prompts": prompts.model_dump()}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]
