"""OpenAI wire format: the requests we accept and, as pydantic models, every response, chunk and error.

Only what a local steered model can honour is accepted. Fields OpenAI clients send by habit with their
neutral value (user, penalties, `logprobs: false`, `response_format: {"type": "text"}`, `tools: []`...)
are tolerated; a value that would silently change the meaning (n > 1, logprobs, JSON mode, tools) is
refused with a 400 `unsupported_parameter`. Booleans are strict (`"yes"` is not true). Extra fields
steer the reply: `emotion` (a mix like {"joy": 0.6}, or "auto" to let the affect router choose),
`policy` (the name of a router policy the server registered), `monitor`, repetition control and
`trim_to_sentence`. Every response carries an `emotive` object.

As in vLLM's OpenAI entrypoint these are plain pydantic models; HTTP statuses are chosen by the server
(`server.http_errors`), never by the engine's exceptions.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_NAME_CHARS = 256  # model and policy names; longer ones are not names

MonitorMode = Literal["off", "read", "retry"]
FinishReason = Literal["stop", "length"]


def _none(value: object) -> bool:
    return value is None


def omitted(default: Any = None) -> Any:
    """A response field left out of the JSON while it is None (OpenAI omits, rather than nulls, these)."""
    return Field(default, exclude_if=_none)


def short(value: object, limit: int = 64) -> str:
    """A request value quoted for an error message, cut so that an error never echoes a large body."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- errors ---------------------------------------------------------------------------------------------


class ErrorInfo(BaseModel):
    """The `error` object of every non-2xx answer; the server always gives `code` a stable string."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorInfo


# -- requests -------------------------------------------------------------------------------------------


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


class SteeredRequest(BaseModel):
    """What /v1/chat/completions and /v1/completions share: sampling, limits and the emotive fields."""

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(None, max_length=MAX_NAME_CHARS)
    max_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)
    stop: str | list[str] | None = None
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1)
    logit_bias: dict[str, Any] | None = None  # accepted only empty (see `unsupported`)
    # -- emotive extensions --
    emotion: dict[str, float] | Literal["auto"] | None = None
    policy: str | None = Field(None, max_length=MAX_NAME_CHARS)
    emotive_reading: StrictBool = False  # also read the user's affect when the mix is given by hand
    monitor: MonitorMode | None = None  # reply reading; "retry" closes the loop
    repetition_penalty: float | None = Field(None, gt=0.0, le=10.0)
    no_repeat_ngram_size: int | None = Field(None, ge=0, le=16)
    trim_to_sentence: StrictBool | None = None  # cut a budget-cut reply back to its last sentence end

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
        if self.logit_bias:
            return "logit_bias", "logit_bias is not supported"
        return None

    @property
    def token_budget(self) -> int | None:
        return self.max_tokens

    @property
    def budget_param(self) -> str:
        """The request field a too-large budget came from (named in the 400)."""
        return "max_tokens"

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class ChatCompletionRequest(SteeredRequest):
    """POST /v1/chat/completions body."""

    messages: list[ChatMessageIn]
    max_completion_tokens: int | None = Field(None, ge=1)
    # Accepted only with their neutral values (see `unsupported`): refusing beats silently ignoring.
    logprobs: StrictBool | None = None
    top_logprobs: int | None = None
    response_format: dict[str, Any] | None = None
    tools: list[Any] | None = None
    tool_choice: Any = None
    functions: list[Any] | None = None
    function_call: Any = None

    @field_validator("messages")
    @classmethod
    def _not_empty(cls, value: list[ChatMessageIn]) -> list[ChatMessageIn]:
        if not value:
            raise ValueError("messages must contain at least one message")
        return value

    def unsupported(self) -> tuple[str, str] | None:
        shared = super().unsupported()
        if shared is not None:
            return shared
        if self.logprobs or self.top_logprobs is not None:
            return ("logprobs" if self.logprobs else "top_logprobs"), "logprobs are not supported"
        if self.response_format is not None and self.response_format.get("type", "text") != "text":
            return "response_format", 'response_format is not supported (only {"type": "text"})'
        if self.tools or self.functions:
            return ("tools" if self.tools else "functions"), "tool calling is not supported by this server"
        if self.tool_choice not in (None, "none") or self.function_call not in (None, "none"):
            param = "tool_choice" if self.tool_choice not in (None, "none") else "function_call"
            return param, "tool calling is not supported by this server"
        return None

    @property
    def token_budget(self) -> int | None:
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens

    @property
    def budget_param(self) -> str:
        return "max_completion_tokens" if self.max_completion_tokens is not None else "max_tokens"


class CompletionRequest(SteeredRequest):
    """POST /v1/completions body: one raw prompt, continued as it is (no chat template)."""

    prompt: str | list[str]
    # Accepted only with their neutral values: a local single-sequence decoder cannot honour more.
    logprobs: int | None = None
    echo: StrictBool = False
    suffix: str | None = None
    best_of: int | None = Field(None, ge=1)

    def unsupported(self) -> tuple[str, str] | None:
        shared = super().unsupported()
        if shared is not None:
            return shared
        if isinstance(self.prompt, list) and len(self.prompt) != 1:
            return "prompt", "send one prompt per request (a list of exactly one string)"
        if self.logprobs is not None:
            return "logprobs", "logprobs are not supported"
        if self.echo:
            return "echo", "echo is not supported"
        if self.suffix:
            return "suffix", "suffix (fill-in-the-middle) is not supported"
        if self.best_of not in (None, 1):
            return "best_of", "only best_of=1 is supported"
        return None

    @property
    def text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else self.prompt[0]


# -- responses ------------------------------------------------------------------------------------------


class EmotiveInfo(BaseModel):
    """The `emotive` object: where the mix came from, what was applied, and (once written) the reply's
    reading; under `"monitor": "retry"` also both attempts and the mix finally applied."""

    source: Literal["request", "router", "none"] = "none"
    mix: dict[str, float] = {}
    policy: str | None = None
    decision: dict[str, Any] | None = None
    escalated: bool = False
    reply_reading: dict[str, Any] | None = omitted()
    monitor: dict[str, Any] | None = omitted()
    mix_applied: dict[str, float] | None = omitted()


class UsageInfo(BaseModel):
    """OpenAI usage; `trimmed: true` only when the reply was cut back to its last sentence end."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    trimmed: Literal[True] | None = omitted()

    @classmethod
    def of(cls, prompt: int, completion: int, trimmed: bool = False) -> UsageInfo:
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=prompt + completion,
            trimmed=True if trimmed else None,
        )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: FinishReason
    logprobs: None = None


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[ChatChoice]
    usage: UsageInfo
    emotive: EmotiveInfo


class DeltaMessage(BaseModel):
    role: Literal["assistant"] | None = omitted()
    content: str | None = omitted()


class ChatChunkChoice(BaseModel):
    index: int = 0
    delta: DeltaMessage = DeltaMessage()
    finish_reason: FinishReason | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One `chat.completion.chunk`; with `usage` it is the final usage-only chunk (`choices: []`)."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChatChunkChoice] = []
    usage: UsageInfo | None = omitted()
    emotive: EmotiveInfo | None = omitted()


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: FinishReason | None = None
    logprobs: None = None


class CompletionResponse(BaseModel):
    """A `text_completion`: the whole body, or (with `finish_reason` None until the end) one stream chunk."""

    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[CompletionChoice] = []
    usage: UsageInfo | None = omitted()
    emotive: EmotiveInfo | None = omitted()


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "emotive-agents"
    emotions: list[str]


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class EmotionsInfo(BaseModel):
    """GET /v1/emotions: what the chat page offers (steerable emotions, router policies, limits)."""

    model: str
    emotions: list[str]
    policies: list[str]
    default_policy: str | None
    max_tokens_limit: int


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    model: str
    uptime_s: float
    scheduler: dict[str, Any]


def new_id(prefix: str = "chatcmpl") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"
