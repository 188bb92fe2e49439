"""Ollama's `/api/*` wire format: the requests we accept, translated to the OpenAI request the server
already validates, and (as pydantic models) the NDJSON / JSON bodies we answer with.

The steering extensions ride in `options`, because the `ollama` client (and ChatOllama) pass `options`
through unchanged: `options.emotion` (a mix, or "auto" with `options.policy`), `options.monitor`,
plus Ollama's own sampling options (temperature, top_p, top_k, seed, num_predict, stop, repeat_penalty).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from emotive_agents.server.protocol import EmotiveInfo, omitted

OLLAMA_VERSION = "0.12.0"  # the Ollama API version these routes follow (what /api/version reports)


class OllamaMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | None = ""
    images: list[Any] | None = None
    tool_calls: list[Any] | None = None


class OllamaRequest(BaseModel):
    """The fields /api/chat and /api/generate share; unknown ones (keep_alive, think...) are ignored."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    stream: bool = True
    options: dict[str, Any] | None = None
    format: Any = None
    tools: list[Any] | None = None

    def openai_messages(self) -> list[dict[str, str]]:
        """The conversation as OpenAI messages (empty: Ollama's "load the model" call)."""
        raise NotImplementedError


class OllamaChatRequest(OllamaRequest):
    messages: list[OllamaMessage] = []

    def openai_messages(self) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content or ""} for m in self.messages]


class OllamaGenerateRequest(OllamaRequest):
    prompt: str = ""
    system: str | None = None
    raw: bool = False
    images: list[Any] | None = None
    suffix: str | None = None

    def openai_messages(self) -> list[dict[str, str]]:
        """`system` becomes a system message before the prompt."""
        messages = [{"role": "system", "content": self.system}] if self.system else []
        return messages + ([{"role": "user", "content": self.prompt}] if self.prompt else [])


def strip_tag(model: str | None) -> str | None:
    """`smollm2-135m:latest` -> `smollm2-135m` (Ollama clients add the default tag)."""
    if model is None:
        return None
    name, _, tag = model.rpartition(":")
    return name if name and tag == "latest" else model


def refusal(request: OllamaRequest) -> str | None:
    """What this server cannot honour; answered 400 instead of silently ignored."""
    if request.format not in (None, ""):
        return "format (JSON mode / structured output) is not supported by this server"
    if request.tools:
        return "tool calling is not supported by this server"
    if isinstance(request, OllamaChatRequest):
        if any(m.images for m in request.messages):
            return "images are not supported: this is a text model"
        if any(m.tool_calls for m in request.messages) or any(m.role == "tool" for m in request.messages):
            return "tool messages are not supported by this server"
    if isinstance(request, OllamaGenerateRequest):
        if request.images:
            return "images are not supported: this is a text model"
        if request.raw:
            return "raw prompts are not supported; send the prompt (and system) to be templated"
        if request.suffix:
            return "suffix (fill-in-the-middle) is not supported"
    return None


def openai_body(request: OllamaRequest, messages: list[dict[str, str]]) -> dict[str, Any]:
    """The equivalent /v1/chat/completions body (validated there, with the same errors)."""
    options = dict(request.options or {})
    body: dict[str, Any] = {"model": strip_tag(request.model), "messages": messages, "stream": request.stream}
    num_predict = options.get("num_predict")
    if isinstance(num_predict, int) and num_predict >= 0 and not isinstance(num_predict, bool):
        body["max_tokens"] = max(1, num_predict)
    elif num_predict is not None and not (isinstance(num_predict, int) and num_predict in (-1, -2)):
        body["max_tokens"] = num_predict  # let validation name the bad value
    for ours, theirs in (
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("top_k", "top_k"),
        ("seed", "seed"),
        ("stop", "stop"),
        ("repetition_penalty", "repeat_penalty"),
        ("no_repeat_ngram_size", "no_repeat_ngram_size"),
        ("trim_to_sentence", "trim_to_sentence"),
        ("emotion", "emotion"),
        ("policy", "policy"),
        ("monitor", "monitor"),
        ("emotive_reading", "emotive_reading"),
    ):
        if options.get(theirs) is not None:
            body[ours] = options[theirs]
    if body.get("top_k") == 0:  # Ollama's "off"
        body.pop("top_k")
    return body


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


class OllamaChunk(BaseModel):
    """One NDJSON line of /api/chat or /api/generate (or the whole body with `stream: false`).

    The last line has `done: true`, `done_reason`, the counters (durations in nanoseconds) and the
    extra `emotive` object; the lines before it carry only text."""

    model: str
    created_at: str
    done: bool
    done_reason: str | None = omitted()
    total_duration: int | None = omitted()
    load_duration: int | None = omitted()
    prompt_eval_count: int | None = omitted()
    prompt_eval_duration: int | None = omitted()
    eval_count: int | None = omitted()
    eval_duration: int | None = omitted()
    trimmed: bool | None = omitted()
    emotive: EmotiveInfo | None = omitted()

    def with_timings(
        self, started: float, first_token: float | None, finished: float, prompt: int, output: int
    ) -> OllamaChunk:
        """Ollama's final-line counters, from monotonic times of start, first token and end."""
        first = first_token if first_token is not None else finished
        return self.model_copy(
            update={
                "total_duration": int((finished - started) * 1e9),
                "load_duration": 0,
                "prompt_eval_count": prompt,
                "prompt_eval_duration": int((first - started) * 1e9),
                "eval_count": output,
                "eval_duration": int((finished - first) * 1e9),
            }
        )


class OllamaAssistantMessage(BaseModel):
    role: str = "assistant"
    content: str


class OllamaChatChunk(OllamaChunk):
    message: OllamaAssistantMessage


class OllamaGenerateChunk(OllamaChunk):
    response: str
    context: list[int] | None = omitted()  # Ollama's token context; always empty here


class OllamaModelDetails(BaseModel):
    parent_model: str = ""
    format: str = "safetensors"
    family: str
    families: list[str]
    parameter_size: str
    quantization_level: str


class OllamaModel(BaseModel):
    """An entry of /api/tags (plus the steerable `emotions`)."""

    name: str
    model: str
    modified_at: str
    size: int
    digest: str
    details: OllamaModelDetails
    emotions: list[str]


class OllamaTags(BaseModel):
    models: list[OllamaModel]


class OllamaShowResponse(BaseModel):
    modelfile: str
    parameters: str = ""
    template: str = "{{ .Prompt }}"
    details: OllamaModelDetails
    model_info: dict[str, Any]
    capabilities: list[str] = ["completion"]
    modified_at: str
    emotions: list[str]


class OllamaShowRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str | None = None
    name: str | None = None


class OllamaVersion(BaseModel):
    version: str = OLLAMA_VERSION


class OllamaError(BaseModel):
    """Ollama's error shape (the client raises ResponseError(error, status))."""

    error: str
