"""OpenAI chat-completions wire format: the request we accept, the responses and chunks we send, errors.

Only what a local steered model can honour is accepted; fields OpenAI clients send by habit (user,
presence_penalty, logprobs=false...) are tolerated and ignored, while ones that would silently change the
meaning (n > 1, tools) are refused with a clear 400. Two extra request fields steer the reply:
`emotion` (a mix like {"joy": 0.6}, or "auto" to let the affect router choose) and `policy` (the router
policy for "auto"). The response carries what was applied in an extra `emotive` field.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ERROR_TYPES = {
    400: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    499: "invalid_request_error",
    500: "server_error",
    503: "server_error",
    504: "timeout_error",
}


class APIError(Exception):
    """An error the server answers with an OpenAI-style body: {"error": {message, type, param, code}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, code=self.code, param=self.param)


def error_body(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    """One message; text content parts are joined, other part types are refused."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        pieces = []
        for part in self.content:
            if part.type != "text" or part.text is None:
                raise ValueError(f"content part type {part.type!r} is not supported; send text")
            pieces.append(part.text)
        return "".join(pieces)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """POST /v1/chat/completions body."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[ChatMessageIn]
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=1)
    seed: int | None = None
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1)
    tools: list[Any] | None = None
    # -- emotive extensions --
    emotion: dict[str, float] | Literal["auto"] | None = None
    policy: str | None = None
    emotive_reading: bool = False  # also read the user's affect when the mix is given by hand
    monitor: Literal["off", "read", "retry"] | None = None  # reply reading; "retry" closes the loop
    repetition_penalty: float | None = Field(None, gt=0.0, le=10.0)
    no_repeat_ngram_size: int | None = Field(None, ge=0, le=16)
    trim_to_sentence: bool | None = None  # cut a budget-cut reply back to its last sentence end

    @field_validator("messages")
    @classmethod
    def _not_empty(cls, value: list[ChatMessageIn]) -> list[ChatMessageIn]:
        if not value:
            raise ValueError("messages must contain at least one message")
        return value

    @field_validator("stop", mode="before")
    @classmethod
    def _stops(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value

    @property
    def token_budget(self) -> int | None:
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens


def new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def usage_json(prompt: int, completion: int, trimmed: bool = False) -> dict[str, Any]:
    """OpenAI usage; `trimmed: true` only when the reply was cut back to its last sentence end."""
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if trimmed:
        usage["trimmed"] = True
    return usage


def completion_json(
    *,
    id: str,
    model: str,
    text: str,
    finish_reason: str,
    prompt_tokens: int,
    completion_tokens: int,
    emotive: dict[str, Any],
    created: int | None = None,
    trimmed: bool = False,
) -> dict[str, Any]:
    return {
        "id": id,
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage_json(prompt_tokens, completion_tokens, trimmed),
        "emotive": emotive,
    }


def chunk_json(
    *,
    id: str,
    model: str,
    created: int,
    delta: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = None,
    emotive: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One `chat.completion.chunk`; with `usage` it is the final usage-only chunk (no choices)."""
    chunk: dict[str, Any] = {"id": id, "object": "chat.completion.chunk", "created": created, "model": model}
    if usage is not None:
        chunk["choices"] = []
        chunk["usage"] = usage
    else:
        chunk["choices"] = [
            {"index": 0, "delta": delta or {}, "finish_reason": finish_reason, "logprobs": None}
        ]
    if emotive is not None:
        chunk["emotive"] = emotive
    return chunk
