"""The FastAPI app: OpenAI-compatible routes over one engine and its continuous-batching scheduler.

`create_app(settings, engine=None)` builds the app; its lifespan loads the engine (when not given) and
runs the scheduler, so the same app object serves under uvicorn, in tests and in Ray Serve replicas.
Everything per request (mix, routing decision, handle) lives in the request; the app's state is the engine,
the scheduler and the routers built on first use, one per policy.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from emotive_agents.errors import EmotiveError, UnknownEmotionError
from emotive_agents.server.monitoring import buffered_sse, monitor_mode, monitored, reply_reading
from emotive_agents.server.ollama import Pipeline, mount_ollama
from emotive_agents.server.protocol import (
    APIError,
    ChatCompletionRequest,
    chunk_json,
    completion_json,
    error_body,
    new_id,
    usage_json,
)
from emotive_agents.server.settings import ServerSettings

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.server.scheduler import RequestHandle, Scheduler

STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_POLICY = "support"
_DISCONNECT_POLL_S = 0.1


@dataclass
class ServerState:
    """What the app holds between requests: the engine, its scheduler and routers by policy."""

    settings: ServerSettings
    engine: EmotiveEngine
    scheduler: Scheduler
    started: float = field(default_factory=time.time)
    routers: dict[str, Any] = field(default_factory=dict)
    router_lock: threading.Lock = field(default_factory=threading.Lock)

    def router(self, policy: str) -> Any:
        """The AffectRouter for a policy, built once (its classifier loads on first use)."""
        try:
            from emotive_agents.router import AffectRouter
        except ImportError as exc:  # the router needs langchain-core
            raise APIError(
                400,
                f'"emotion": "auto" needs the affect router, which failed to import: {exc}',
                param="emotion",
            ) from exc
        with self.router_lock:
            router = self.routers.get(policy)
            if router is None:
                try:
                    router = AffectRouter(
                        policy,
                        classifier=self.settings.router_classifier,
                        vector_set=self.engine.vector_set,
                        device=self.settings.device,
                    )
                except (EmotiveError, ValueError, OSError) as exc:
                    raise APIError(
                        400, f"policy {policy!r}: {exc}", param="policy", code="invalid_policy"
                    ) from exc
                self.routers[policy] = router
            return router


def create_app(settings: ServerSettings, engine: EmotiveEngine | None = None) -> FastAPI:
    """Build the app; the engine is loaded in the lifespan when not given, and the scheduler runs there."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from emotive_agents.server.scheduler import Scheduler

        loaded = engine
        if loaded is None:
            from emotive_agents.engine import EmotiveEngine

            loaded = await asyncio.to_thread(
                EmotiveEngine.load,
                settings.model,
                settings.vectors,
                dtype=settings.dtype,
                device=settings.device,
            )
        scheduler = Scheduler(
            loaded,
            max_batch_size=settings.max_batch_size,
            max_queue=settings.max_queue,
            request_timeout_s=settings.request_timeout_s,
        ).start()
        app.state.server = ServerState(settings, loaded, scheduler)
        try:
            yield
        finally:
            await asyncio.to_thread(scheduler.stop)

    app = FastAPI(
        title="emotive-agents", version="0.1.0", lifespan=lifespan, docs_url="/docs", redoc_url=None
    )
    app.state.settings = settings

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(exc.status_code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug
        return JSONResponse(error_body(500, f"internal error: {type(exc).__name__}: {exc}"), status_code=500)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        state = _state(request)
        stats = state.scheduler.snapshot()
        ok = state.scheduler.running
        body = {
            "status": "ok" if ok else "unavailable",
            "model": settings.model_id,
            "uptime_s": round(time.time() - state.started, 1),
            "scheduler": {**stats.__dict__, "mean_batch": round(stats.mean_batch, 2)},
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        state = _state(request)
        return {
            "object": "list",
            "data": [
                {
                    "id": settings.model_id,
                    "object": "model",
                    "created": int(state.started),
                    "owned_by": "emotive-agents",
                    "emotions": list(state.engine.emotions),
                }
            ],
        }

    @app.get("/v1/emotions")
    async def emotions(request: Request) -> dict[str, Any]:
        """What the chat page offers: steerable emotions, router policies and the server's limits."""
        state = _state(request)
        return {
            "model": settings.model_id,
            "emotions": [e for e in state.engine.emotions if e != "base"],
            "policies": available_policies(),
            "default_policy": settings.policy or DEFAULT_POLICY,
            "max_tokens_limit": settings.max_tokens_limit,
        }

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(request: Request) -> Response:
        state = _state(request)
        body = await _read_json(request, settings.max_body_bytes)
        chat = _parse(body)
        _check_model(chat, state)
        generation, emotive, escalation = await asyncio.to_thread(_prepare, state, chat)
        completion_id, created = new_id(), int(time.time())
        if escalation is not None:
            return _escalated(state, chat, generation, emotive, escalation, completion_id, created)
        scheduler = state.scheduler
        handle = _submit(scheduler, generation, asyncio.get_running_loop())
        mode = monitor_mode(chat.monitor, settings.monitor)
        include_usage = bool(chat.stream_options and chat.stream_options.include_usage)
        if chat.stream and mode != "retry":  # a "retry" stream is buffered: the reply may be redone

            async def read(text: str) -> dict[str, Any] | None:
                if mode == "off":
                    return None
                final = {**emotive, "reply_reading": (await reply_reading(state, text))}
                return final

            stream = _sse(handle, settings.model_id, completion_id, created, emotive, include_usage, read)
            return StreamingResponse(
                stream, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
            )
        completion = await _await_completion(request, handle)
        completion = await monitored(state, generation, emotive, completion, mode)
        if chat.stream:
            common = {"id": completion_id, "model": settings.model_id, "created": created}
            return StreamingResponse(
                buffered_sse(common, completion, emotive, include_usage),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache"},
            )
        return JSONResponse(
            completion_json(
                id=completion_id,
                model=settings.model_id,
                text=completion.text,
                finish_reason=completion.finish_reason,
                prompt_tokens=completion.usage.input_tokens,
                completion_tokens=completion.usage.output_tokens,
                emotive=emotive,
                created=created,
                trimmed=completion.usage.trimmed,
            )
        )

    mount_ollama(
        app,
        Pipeline(
            state=_state,
            read_json=_read_json,
            parse=_parse,
            check_model=_check_model,
            prepare=_prepare,
            submit=_submit,
            await_completion=_await_completion,
            scheduler_error=_scheduler_api_error,
        ),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    return app


def available_policies() -> list[str]:
    """Names of the router policies shipped with the package (empty when the router is not installed)."""
    from importlib import resources

    try:
        folder = resources.files("emotive_agents") / "data" / "policies"
        return sorted(
            p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith((".yaml", ".yml"))
        )
    except (FileNotFoundError, NotADirectoryError):
        return []


# -- request handling ----------------------------------------------------------------------------------


def _state(request: Request) -> ServerState:
    state = getattr(request.app.state, "server", None)
    if state is None:
        raise APIError(503, "the server is still starting", code="unavailable")
    return state  # type: ignore[no-any-return,unused-ignore]


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise APIError(413, f"request body is larger than {limit} bytes", code="body_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise APIError(413, f"request body is larger than {limit} bytes", code="body_too_large")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError) as exc:
        raise APIError(400, f"request body is not valid JSON: {exc}", code="invalid_json") from None


def _parse(body: Any) -> ChatCompletionRequest:
    if not isinstance(body, dict):
        raise APIError(400, "request body must be a JSON object", code="invalid_json")
    try:
        chat = ChatCompletionRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        parts = []
        for part in first["loc"]:  # drop pydantic's union-member tags such as "dict[str,float]"
            if not (isinstance(part, int) or str(part).isidentifier()):
                break
            parts.append(str(part))
        param = ".".join(parts) or None
        message = first["msg"].removeprefix("Value error, ")
        if param == "emotion":
            message = 'must be a mix like {"joy": 0.6} (emotion name to intensity) or "auto"'
        elif param == "stop":
            message = "must be a string or a list of up to 4 strings"
        raise APIError(400, f"{param}: {message}" if param else message, param=param) from None
    if chat.n != 1:
        raise APIError(400, "only n=1 is supported", param="n")
    if chat.tools:
        raise APIError(400, "tool calling is not supported by this server", param="tools")
    return chat


def _check_model(chat: ChatCompletionRequest, state: ServerState) -> None:
    names = {state.settings.model_id, state.settings.model, state.engine.model_name}
    if chat.model is not None and chat.model not in names:
        raise APIError(
            404,
            f"the model {chat.model!r} does not exist; this server serves {state.settings.model_id!r}",
            param="model",
            code="model_not_found",
        )


def _messages(chat: ChatCompletionRequest) -> list[dict[str, str]]:
    out = []
    for i, message in enumerate(chat.messages):
        if message.role in ("tool", "function"):
            raise APIError(400, f"messages.{i}: role {message.role!r} is not supported", param="messages")
        try:
            text = message.text()
        except ValueError as exc:
            raise APIError(400, f"messages.{i}: {exc}", param="messages") from None
        out.append({"role": "system" if message.role == "developer" else message.role, "content": text})
    if not any(m["role"] == "user" and m["content"].strip() for m in out):
        raise APIError(400, "messages need at least one non-empty user message", param="messages")
    return out


def _prepare(
    state: ServerState, chat: ChatCompletionRequest
) -> tuple[GenerationRequest, dict[str, Any], str | None]:
    """Validate, route and build the generation request (in a worker thread: routing may run models)."""
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.steering.mix import EmotionMix

    settings = state.settings
    messages = _messages(chat)
    emotive: dict[str, Any] = {
        "source": "none",
        "mix": {},
        "policy": None,
        "decision": None,
        "escalated": False,
    }
    escalation = None
    wants_auto = chat.emotion == "auto" or (chat.emotion is None and settings.policy is not None)
    if wants_auto or (chat.emotive_reading and isinstance(chat.emotion, dict)):
        policy = chat.policy or settings.policy or DEFAULT_POLICY
        try:
            decision = state.router(policy).invoke(messages)
        except APIError:
            raise
        except (EmotiveError, ValueError) as exc:
            raise APIError(400, f"affect router: {exc}", param="messages") from exc
        emotive.update(policy=policy, decision=decision.to_json())
        if wants_auto:
            emotive.update(source="router", mix=dict(decision.mix))
            if decision.escalation is not None:
                escalation = decision.escalation
                emotive["escalated"] = True
    if isinstance(chat.emotion, dict):
        emotive.update(source="request", mix=dict(chat.emotion))
    try:
        mix = EmotionMix.coerce(emotive["mix"])
        state.engine.check_mix(mix)
    except UnknownEmotionError as exc:
        raise APIError(400, f"emotion: {exc}", param="emotion", code="unknown_emotion") from None
    except (ValidationError, ValueError) as exc:
        message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        message = message.removeprefix("Value error, ")
        raise APIError(400, f"emotion: {message}", param="emotion", code="invalid_emotion") from None
    except EmotiveError as exc:
        raise APIError(400, f"emotion: {exc}", param="emotion") from None
    emotive["mix"] = mix.as_dict()
    budget = chat.token_budget or settings.default_max_tokens
    if budget > settings.max_tokens_limit:
        raise APIError(
            400,
            f"max_tokens is {budget}; this server allows at most {settings.max_tokens_limit}",
            param="max_tokens",
            code="max_tokens_exceeded",
        )
    try:
        generation = GenerationRequest.build(
            messages,
            mix,
            max_new_tokens=budget,
            temperature=settings.default_temperature if chat.temperature is None else chat.temperature,
            top_p=1.0 if chat.top_p is None else chat.top_p,
            top_k=chat.top_k,
            seed=chat.seed,
            stop=chat.stop,
            repetition_penalty=chat.repetition_penalty or 1.0,
            no_repeat_ngram_size=chat.no_repeat_ngram_size or 0,
            trim_to_sentence=bool(chat.trim_to_sentence),
        )
    except (ValidationError, EmotiveError) as exc:
        message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise APIError(400, message) from None
    return generation, emotive, escalation


def _submit(
    scheduler: Scheduler, generation: GenerationRequest, loop: asyncio.AbstractEventLoop
) -> RequestHandle:
    from emotive_agents.server.scheduler import SchedulerError

    try:
        return scheduler.submit(generation, loop=loop)
    except SchedulerError as exc:
        headers = {"Retry-After": "1"} if exc.status in (429, 503) else None
        param = "messages" if exc.status == 400 else None
        raise APIError(exc.status, str(exc), code=exc.code, param=param, headers=headers) from None
    except EmotiveError as exc:
        raise APIError(400, str(exc)) from None


def _scheduler_api_error(exc: BaseException) -> APIError:
    from emotive_agents.server.scheduler import SchedulerError

    if isinstance(exc, SchedulerError):
        return APIError(exc.status, str(exc), code=exc.code)
    return APIError(500, f"generation failed: {exc}", code="generation_failed")


async def _await_completion(request: Request, handle: RequestHandle) -> Any:
    """Wait for the result; a client that disconnects cancels its row. Never waits past the deadline."""
    result = asyncio.ensure_future(handle.aresult())
    grace = 5.0  # the scheduler enforces the deadline; this only guards against a dead worker
    try:
        while not result.done():
            remaining = handle.deadline + grace - time.monotonic()
            if remaining <= 0:
                handle.cancel()
                raise APIError(504, "the request timed out", code="timeout")
            await asyncio.wait({result}, timeout=min(_DISCONNECT_POLL_S, remaining))
            if not result.done() and await request.is_disconnected():
                handle.cancel()
                raise APIError(499, "client disconnected", code="cancelled")
        return result.result()
    except (APIError, asyncio.CancelledError):
        handle.cancel()
        result.cancel()
        raise
    except Exception as exc:
        raise _scheduler_api_error(exc) from None


def _sse_line(payload: Mapping[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def _sse(
    handle: RequestHandle,
    model: str,
    completion_id: str,
    created: int,
    emotive: dict[str, Any],
    include_usage: bool,
    read: Callable[[str], Awaitable[dict[str, Any] | None]] | None = None,
) -> AsyncIterator[str]:
    """OpenAI chunk stream: role chunk (with `emotive`), content chunks, finish chunk, usage, [DONE].

    With `read`, the finish chunk (and the usage chunk) carry `emotive` again, now with the reply's
    reading."""
    finished = False
    common: dict[str, Any] = {"id": completion_id, "model": model, "created": created}
    try:
        yield _sse_line(chunk_json(**common, delta={"role": "assistant", "content": ""}, emotive=emotive))
        events = handle.aevents()
        while True:
            remaining = handle.deadline + 5.0 - time.monotonic()
            try:
                event = await asyncio.wait_for(events.__anext__(), timeout=max(0.0, remaining))
            except (StopAsyncIteration, asyncio.TimeoutError):
                handle.cancel()
                yield _sse_line(error_body(504, "the request timed out", code="timeout"))
                break
            if event.kind == "delta":
                yield _sse_line(chunk_json(**common, delta={"content": event.text}))
            elif event.kind == "done":
                finished = True
                final = await read(event.text) if read is not None else None
                yield _sse_line(
                    chunk_json(**common, delta={}, finish_reason=event.finish_reason, emotive=final)
                )
                if include_usage and event.usage is not None:
                    usage = usage_json(
                        event.usage.input_tokens, event.usage.output_tokens, event.usage.trimmed
                    )
                    yield _sse_line(chunk_json(**common, usage=usage, emotive=final))
                break
            else:
                finished = True
                error = _scheduler_api_error(event.error or RuntimeError("unknown error"))
                yield _sse_line(error.body())
                break
        yield "data: [DONE]\n\n"
    finally:
        if not finished:
            handle.cancel()  # the client went away (or timed out): free the row


def _escalated(
    state: ServerState,
    chat: ChatCompletionRequest,
    generation: GenerationRequest,
    emotive: dict[str, Any],
    text: str,
    completion_id: str,
    created: int,
) -> Response:
    """Crisis escalation: answer with the policy's safe message instead of generating."""
    scheduler = state.scheduler
    try:
        prompt_tokens = len(scheduler.encode(generation))
    except EmotiveError:
        prompt_tokens = 0
    completion_tokens = len(state.engine.loaded.tokenizer(text, add_special_tokens=False)["input_ids"])
    model = state.settings.model_id
    if not chat.stream:
        return JSONResponse(
            completion_json(
                id=completion_id,
                model=model,
                text=text,
                finish_reason="stop",
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                emotive=emotive,
                created=created,
            )
        )
    include_usage = bool(chat.stream_options and chat.stream_options.include_usage)

    async def stream() -> AsyncIterator[str]:
        common: dict[str, Any] = {"id": completion_id, "model": model, "created": created}
        yield _sse_line(chunk_json(**common, delta={"role": "assistant", "content": ""}, emotive=emotive))
        yield _sse_line(chunk_json(**common, delta={"content": text}))
        yield _sse_line(chunk_json(**common, delta={}, finish_reason="stop"))
        if include_usage:
            yield _sse_line(chunk_json(**common, usage=usage_json(prompt_tokens, completion_tokens)))
        yield "data: [DONE]\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
