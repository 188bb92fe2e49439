"""OpenAI chat-completions wire format: the request we accept, the responses and chunks we send, errors.

Only what a local steered model can honour is accepted. Fields OpenAI clients send by habit with their
neutral value (user, penalties, `logprobs: false`, `response_format: {"type": "text"}`, `tools: []`...)
are tolerated; a value that would silently change the meaning (n > 1, logprobs, JSON mode, tools) is
refused with a 400 `unsupported_parameter`. Booleans are strict (`"yes"` is not true). Two extra fields
steer the reply: `emotion` (a mix like {"joy": 0.6}, or "auto" to let the affect router choose) and
`policy` (the name of a router policy the server registered). The response carries an `emotive` field.

As in vLLM's OpenAI entrypoint, these are plain pydantic models; HTTP statuses are chosen by the server
(`APIError`), never by the engine's exceptions.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_NAME_CHARS = 256  # model and policy names; longer ones are not names

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
    499: "invalid_request_error",
    500: "server_error",
    503: "server_error",
    504: "timeout_error",
}
# The stable `code` of an error that has no more specific one, by status.
DEFAULT_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    499: "cancelled",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
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
        self.code = code or default_code(status)
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, code=self.code, param=self.param)


def default_code(status: int) -> str:
    return DEFAULT_CODES.get(status, "internal_error" if status >= 500 else "invalid_request")


class ErrorInfo(BaseModel):
    """The `error` object of every non-2xx answer; `code` is always a stable string."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorInfo


def error_body(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    info = ErrorInfo(message=message, type=kind, param=param, code=code)
    return ErrorResponse(error=info).model_dump()


def short(value: object, limit: int = 64) -> str:
    """A request value quoted for an error message, cut so that an error never echoes a large body."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
                raise ValueError(f"content part type {short(part.type)} is not supported; send text")
            pieces.append(part.text)
        return "".join(pieces)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool = False


class ChatCompletionRequest(BaseModel):
    """POST /v1/chat/completions body."""

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(None, max_length=MAX_NAME_CHARS)
    messages: list[ChatMessageIn]
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)
    stop: str | list[str] | None = None
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1)
    # Accepted only with their neutral values (see `unsupported`): refusing beats silently ignoring.
    logprobs: StrictBool | None = None
    top_logprobs: int | None = None
    response_format: dict[str, Any] | None = None
    tools: list[Any] | None = None
    tool_choice: Any = None
    functions: list[Any] | None = None
    function_call: Any = None
    logit_bias: dict[str, Any] | None = None
    # -- emotive extensions --
    emotion: dict[str, float] | Literal["auto"] | None = None
    policy: str | None = Field(None, max_length=MAX_NAME_CHARS)
    emotive_reading: StrictBool = False  # also read the user's affect when the mix is given by hand
    monitor: Literal["off", "read", "retry"] | None = None  # reply reading; "retry" closes the loop
    repetition_penalty: float | None = Field(None, gt=0.0, le=10.0)
    no_repeat_ngram_size: int | None = Field(None, ge=0, le=16)
    trim_to_sentence: StrictBool | None = None  # cut a budget-cut reply back to its last sentence end

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
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if any(isinstance(s, str) and not s for s in items):
            raise ValueError("stop sequences must be non-empty strings")
        return value

    def unsupported(self) -> tuple[str, str] | None:
        """(param, message) for the first field whose value this server cannot honour, else None."""
        if self.n != 1:
            return "n", "only n=1 is supported"
        if self.logprobs or self.top_logprobs is not None:
            return ("logprobs" if self.logprobs else "top_logprobs"), "logprobs are not supported"
        if self.response_format is not None and self.response_format.get("type", "text") != "text":
            return "response_format", 'response_format is not supported (only {"type": "text"})'
        if self.tools or self.functions:
            return ("tools" if self.tools else "functions"), "tool calling is not supported by this server"
        if self.tool_choice not in (None, "none") or self.function_call not in (None, "none"):
            param = "tool_choice" if self.tool_choice not in (None, "none") else "function_call"
            return param, "tool calling is not supported by this server"
        if self.logit_bias:
            return "logit_bias", "logit_bias is not supported"
        return None

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
