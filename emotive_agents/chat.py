"""Chat messages and prompts: the tokenizer's chat template, coping with picky templates. A leaf module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from emotive_agents.errors import GenerationError

Role = Literal["system", "user", "assistant"]
_ROLE_ALIASES = {"human": "user", "ai": "assistant", "bot": "assistant", "model": "assistant"}


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    content: str

    @field_validator("role", mode="before")
    @classmethod
    def _alias(cls, value: Any) -> Any:
        return _ROLE_ALIASES.get(value, value) if isinstance(value, str) else value


MessagesLike = str | Sequence[ChatMessage | Mapping[str, Any]]


def normalize_messages(messages: MessagesLike) -> list[ChatMessage]:
    """A bare string is one user turn; dicts need `role` and `content`."""
    if isinstance(messages, str):
        return [ChatMessage(role="user", content=messages)]
    out = [m if isinstance(m, ChatMessage) else ChatMessage.model_validate(dict(m)) for m in messages]
    if not out:
        raise GenerationError("messages are empty: give at least one user message")
    return out


def merge_consecutive(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """Join consecutive same-role turns with a blank line (for templates that demand alternation)."""
    merged: list[ChatMessage] = []
    for message in messages:
        if merged and merged[-1].role == message.role:
            merged[-1] = ChatMessage(role=message.role, content=f"{merged[-1].content}\n\n{message.content}")
        else:
            merged.append(message)
    return merged


def _fold_system(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """For templates without a system role: prepend the system text to the first user turn."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if system and rest and rest[0].role == "user":
        rest[0] = ChatMessage(role="user", content=f"{system}\n\n{rest[0].content}")
    elif system:
        rest.insert(0, ChatMessage(role="user", content=system))
    return rest


def _plain_prompt(messages: Sequence[ChatMessage]) -> str:
    lines = [f"{m.role.capitalize()}: {m.content}" for m in messages]
    return "\n".join([*lines, "Assistant:"])


def render_prompt(tokenizer: Any, messages: MessagesLike) -> str:
    """Apply the chat template; retry with merged turns, then with the system folded in, if it refuses."""
    normalized = normalize_messages(messages)
    if not getattr(tokenizer, "chat_template", None):
        return _plain_prompt(normalized)
    attempts = (normalized, merge_consecutive(normalized), merge_consecutive(_fold_system(normalized)))
    error: Exception | None = None
    for attempt in attempts:
        try:
            return str(
                tokenizer.apply_chat_template(
                    [m.model_dump() for m in attempt], tokenize=False, add_generation_prompt=True
                )
            )
        except Exception as exc:  # jinja raises TemplateError subclasses and plain exceptions
            error = exc
    raise GenerationError(f"the model's chat template rejected these messages: {error}") from error
