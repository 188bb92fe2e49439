"""Ollama-compatible routes on the same app and port as /v1: /api/chat, /api/generate (NDJSON streams or
one JSON body), /api/tags, /api/show, /api/version.

A request is translated to the OpenAI request the server already handles and runs through the same
pipeline (validation, affect routing, limits, the continuous-batching scheduler, reply monitoring);
the pipeline's functions are injected by the app, so this module never imports it. Errors keep their
HTTP status and are answered in Ollama's shape, `{"error": "..."}`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from emotive_agents.generation.types import Usage
from emotive_agents.server.monitoring import monitor_mode, monitored, reply_reading
from emotive_agents.server.ollama_protocol import (
    OLLAMA_VERSION,
    OllamaChatRequest,
    OllamaGenerateRequest,
    OllamaRequest,
    error_json,
    now,
    openai_body,
    refusal,
    strip_tag,
    timings,
)
from emotive_agents.server.protocol import APIError
from emotive_agents.server.scheduler import Completion

NDJSON = "application/x-ndjson"


@dataclass(frozen=True)
class Pipeline:
    """The OpenAI layer's request handling, shared by these routes (see emotive_agents.server.app)."""

    state: Callable[[Request], Any]
    read_json: Callable[[Request, int], Awaitable[Any]]
    parse: Callable[[Any], Any]
    check_model: Callable[[Any, Any], None]
    prepare: Callable[[Any, Any], tuple[Any, dict[str, Any], str | None]]
    submit: Callable[[Any, Any, asyncio.AbstractEventLoop], Any]
    await_completion: Callable[[Request, Any], Awaitable[Any]]
    scheduler_error: Callable[[BaseException], APIError]


def _line(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload, ensure_ascii=False) + "\n").encode()


def _error(exc: APIError) -> JSONResponse:
    return JSONResponse(error_json(exc.message), status_code=exc.status, headers=exc.headers)


def _model_entry(state: Any) -> dict[str, Any]:
    """The served model as Ollama describes one (name, digest, size, details)."""
    loaded = state.engine.loaded
    config = loaded.model.config
    parameters = sum(p.numel() for p in loaded.model.parameters())
    dtype = str(next(loaded.model.parameters()).dtype).removeprefix("torch.").upper()
    name = state.settings.model_id
    return {
        "name": name,
        "model": name,
        "modified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.started)),
        "size": parameters * next(loaded.model.parameters()).element_size(),
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": {
            "parent_model": "",
            "format": "safetensors",
            "family": str(getattr(config, "model_type", "unknown")),
            "families": [str(getattr(config, "model_type", "unknown"))],
            "parameter_size": f"{parameters / 1e6:.0f}M" if parameters < 1e9 else f"{parameters / 1e9:.1f}B",
            "quantization_level": dtype.replace("FLOAT", "F"),
        },
        "emotions": [e for e in state.engine.emotions if e != "base"],
    }


def mount_ollama(app: FastAPI, pipeline: Pipeline) -> None:
    """Add the /api/* routes to the app."""

    @app.get("/api/version")
    async def version() -> dict[str, str]:
        return {"version": OLLAMA_VERSION}

    @app.get("/api/tags")
    async def tags(request: Request) -> Response:
        try:
            return JSONResponse({"models": [_model_entry(pipeline.state(request))]})
        except APIError as exc:
            return _error(exc)

    @app.post("/api/show")
    async def show(request: Request) -> Response:
        try:
            state = pipeline.state(request)
            body = await pipeline.read_json(request, state.settings.max_body_bytes)
            name = (
                strip_tag((body or {}).get("model") or (body or {}).get("name"))
                if isinstance(body, dict)
                else None
            )
            if name not in {state.settings.model_id, state.settings.model, state.engine.model_name}:
                raise APIError(404, f"model {name!r} not found", code="model_not_found")
            entry = _model_entry(state)
            config = state.engine.loaded.model.config
            arch = str(getattr(config, "model_type", "unknown"))
            return JSONResponse(
                {
                    "modelfile": f"# served by emotive-agents\nFROM {state.settings.model}\n",
                    "parameters": "",
                    "template": "{{ .Prompt }}",
                    "details": entry["details"],
                    "model_info": {
                        "general.architecture": arch,
                        "general.parameter_count": sum(
                            p.numel() for p in state.engine.loaded.model.parameters()
                        ),
                        f"{arch}.context_length": int(getattr(config, "max_position_embeddings", 0) or 0),
                        f"{arch}.embedding_length": int(getattr(config, "hidden_size", 0) or 0),
                        f"{arch}.block_count": int(getattr(config, "num_hidden_layers", 0) or 0),
                    },
                    "capabilities": ["completion"],
                    "modified_at": entry["modified_at"],
                    "emotions": entry["emotions"],
                }
            )
        except APIError as exc:
            return _error(exc)

    @app.post("/api/chat", response_model=None)
    async def chat(request: Request) -> Response:
        return await _handle(pipeline, request, OllamaChatRequest)

    @app.post("/api/generate", response_model=None)
    async def generate(request: Request) -> Response:
        return await _handle(pipeline, request, OllamaGenerateRequest)


async def _handle(pipeline: Pipeline, request: Request, kind: type[OllamaRequest]) -> Response:
    try:
        state = pipeline.state(request)
        body = await pipeline.read_json(request, state.settings.max_body_bytes)
        if not isinstance(body, dict):
            raise APIError(400, "request body must be a JSON object", code="invalid_json")
        try:
            ollama = kind.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise APIError(400, f"{where}: {first['msg']}") from None
        refused = refusal(ollama)
        if refused:
            raise APIError(400, refused)
        if isinstance(ollama, OllamaChatRequest):
            messages = [{"role": m.role, "content": m.content or ""} for m in ollama.messages]
        else:
            assert isinstance(ollama, OllamaGenerateRequest)
            messages = [{"role": "system", "content": ollama.system}] if ollama.system else []
            messages += [{"role": "user", "content": ollama.prompt}] if ollama.prompt else []
        return await _answer(pipeline, request, state, ollama, messages)
    except APIError as exc:
        return _error(exc)


async def _answer(
    pipeline: Pipeline, request: Request, state: Any, ollama: OllamaRequest, messages: list[dict[str, str]]
) -> Response:
    is_chat = isinstance(ollama, OllamaChatRequest)
    model = strip_tag(ollama.model) or state.settings.model_id
    started = time.monotonic()

    def payload(text: str, done: bool) -> dict[str, Any]:
        content = {"message": {"role": "assistant", "content": text}} if is_chat else {"response": text}
        return {"model": model, "created_at": now(), **content, "done": done}

    def final(
        completion: Completion, first_token: float | None, emotive: dict[str, Any], text: str
    ) -> dict[str, Any]:
        out = payload(text, True)
        out["done_reason"] = completion.finish_reason
        out.update(
            timings(
                started,
                first_token,
                time.monotonic(),
                completion.usage.input_tokens,
                completion.usage.output_tokens,
            )
        )
        if completion.usage.trimmed:
            out["trimmed"] = True
        if not is_chat:
            out["context"] = []
        out["emotive"] = emotive
        return out

    if not messages:  # Ollama's "load the model" call: nothing to answer
        body = {**payload("", True), "done_reason": "load"}
        return (
            StreamingResponse(iter([_line(body)]), media_type=NDJSON) if ollama.stream else JSONResponse(body)
        )
    chat = pipeline.parse(openai_body(ollama, messages))
    pipeline.check_model(chat, state)
    generation, emotive, escalation = await asyncio.to_thread(pipeline.prepare, state, chat)
    mode = monitor_mode(chat.monitor, state.settings.monitor)
    if escalation is not None:  # a crisis turn under an escalating policy: the safe message, no generation
        tokens = len(state.engine.loaded.tokenizer(escalation, add_special_tokens=False)["input_ids"])
        completion = Completion(escalation, "stop", Usage(input_tokens=0, output_tokens=tokens))
        body = final(completion, None, emotive, escalation)
        if not ollama.stream:
            return JSONResponse(body)
        return StreamingResponse(
            iter([_line(payload(escalation, False)), _line(final(completion, None, emotive, ""))]),
            media_type=NDJSON,
        )
    handle = pipeline.submit(state.scheduler, generation, asyncio.get_running_loop())
    if ollama.stream and mode != "retry":
        return StreamingResponse(
            _stream(pipeline, state, handle, emotive, mode, payload, final), media_type=NDJSON
        )
    completion = await pipeline.await_completion(request, handle)
    completion = await monitored(state, generation, emotive, completion, mode)
    if not ollama.stream:
        return JSONResponse(final(completion, None, emotive, completion.text))
    lines = [_line(payload(completion.text, False))] if completion.text else []
    lines.append(_line(final(completion, None, emotive, "")))
    return StreamingResponse(iter(lines), media_type=NDJSON)


async def _stream(
    pipeline: Pipeline,
    state: Any,
    handle: Any,
    emotive: dict[str, Any],
    mode: str,
    payload: Callable[[str, bool], dict[str, Any]],
    final: Callable[[Completion, float | None, dict[str, Any], str], dict[str, Any]],
) -> AsyncIterator[bytes]:
    """NDJSON: one line per text delta, then the final line (done, counters, emotive + reply_reading)."""
    finished = False
    first_token: float | None = None
    try:
        events = handle.aevents()
        while True:
            remaining = handle.deadline + 5.0 - time.monotonic()
            try:
                event = await asyncio.wait_for(events.__anext__(), timeout=max(0.0, remaining))
            except (StopAsyncIteration, asyncio.TimeoutError):
                handle.cancel()
                yield _line(error_json("the request timed out"))
                break
            if event.kind == "delta":
                first_token = first_token or time.monotonic()
                yield _line(payload(event.text, False))
            elif event.kind == "done":
                finished = True
                if mode != "off":
                    emotive = {**emotive, "reply_reading": await reply_reading(state, event.text)}
                completion = Completion(event.text, event.finish_reason, event.usage)
                yield _line(final(completion, first_token, emotive, ""))
                break
            else:
                finished = True
                error = pipeline.scheduler_error(event.error or RuntimeError("unknown error"))
                yield _line(error_json(error.message))
                break
    finally:
        if not finished:
            handle.cancel()
