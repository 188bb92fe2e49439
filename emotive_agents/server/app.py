"""The FastAPI app: OpenAI-compatible routes over one engine and its continuous-batching scheduler.

`create_app(settings, engine=None)` builds the app; its lifespan loads the engine (when not given) and
runs the scheduler, so the same app object serves under uvicorn, in tests and in Ray Serve replicas.
Everything per request (mix, routing decision, handle) lives in the request; the app's state is the engine,
the scheduler, the registered router policies and one router per policy, all built at start.
HTTP statuses are chosen here (`APIError`); engine and scheduler errors never carry one to the client
except the scheduler's own refusals (429, 503, 504...). Unexpected errors answer a generic 500 whose
request id is logged with the traceback, never the internal text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from emotive_agents.errors import EmotiveError, UnknownEmotionError
from emotive_agents.server.bodies import parse_chat, read_json
from emotive_agents.server.monitoring import buffered_sse, monitor_mode, monitored, reply_reading
from emotive_agents.server.ollama import Pipeline, mount_ollama
from emotive_agents.server.prepare import check_model, prepare_generation
from emotive_agents.server.protocol import (
    APIError,
    ChatCompletionRequest,
    chunk_json,
    completion_json,
    error_body,
    new_id,
    usage_json,
)
from emotive_agents.server.security import ApiGuard, HostOriginGuard
from emotive_agents.server.settings import ServerSettings
from emotive_agents.server.state import ServerState, build_policies, build_routers

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.server.scheduler import RequestHandle, Scheduler

STATIC_DIR = Path(__file__).parent / "static"
_DISCONNECT_POLL_S = 0.1
logger = logging.getLogger("emotive_agents.server")


def create_app(settings: ServerSettings, engine: EmotiveEngine | None = None) -> FastAPI:
    """Build the app; the engine is loaded in the lifespan when not given, and the scheduler runs there.

    With an engine, the policies are checked here, so a bad `--policy` raises before anything serves.
    """
    given_policies = build_policies(settings, engine) if engine is not None else None

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
        policies = given_policies if engine is not None else build_policies(settings, loaded)
        routers = build_routers(settings, loaded, policies) if policies is not None else {}
        scheduler = Scheduler(
            loaded,
            max_batch_size=settings.max_batch_size,
            max_queue=settings.max_queue,
            request_timeout_s=settings.request_timeout_s,
        ).start()
        app.state.server = ServerState(settings, loaded, scheduler, policies, routers)
        try:
            yield
        finally:
            await asyncio.to_thread(scheduler.stop)

    docs = settings.enable_docs
    app = FastAPI(
        title="emotive-agents",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    # Starlette runs the last added middleware first: host/origin, then CORS preflights, then the key.
    app.add_middleware(ApiGuard, api_key=settings.api_key.get_secret_value() if settings.api_key else None)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(
        HostOriginGuard,
        bind_host=settings.host,
        allowed_hosts=settings.allowed_hosts,
        cors_origins=settings.cors_origins,
    )

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = APIError(exc.status_code, str(exc.detail))
        return JSONResponse(error.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(internal_error(exc).body(), status_code=500)

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
            "policies": state.policies.names if state.policies is not None else [],
            "default_policy": state.default_policy,
            "max_tokens_limit": settings.max_tokens_limit,
        }

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(request: Request) -> Response:
        state = _state(request)
        chat = parse_chat(await read_json(request, settings.max_body_bytes))
        check_model(chat, state)
        generation, emotive, escalation = await asyncio.to_thread(prepare_generation, state, chat)
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
            read_json=read_json,
            parse=parse_chat,
            check_model=check_model,
            prepare=prepare_generation,
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


def internal_error(exc: BaseException, code: str = "internal_error") -> APIError:
    """A generic 500: the traceback goes to the log under a request id, the client gets only the id."""
    request_id = f"req-{uuid.uuid4().hex[:16]}"
    logger.error("request %s failed: %s", request_id, type(exc).__name__, exc_info=exc)
    return APIError(500, f"internal server error (request id {request_id})", code=code)


# -- request handling ----------------------------------------------------------------------------------


def _state(request: Request) -> ServerState:
    state = getattr(request.app.state, "server", None)
    if state is None:
        raise APIError(503, "the server is still starting", code="unavailable")
    return state  # type: ignore[no-any-return,unused-ignore]


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
    except UnknownEmotionError as exc:
        raise APIError(400, f"emotion: {exc}", param="emotion", code="unknown_emotion") from None
    except EmotiveError as exc:
        raise APIError(400, str(exc), code="invalid_value") from None


def _scheduler_api_error(exc: BaseException) -> APIError:
    from emotive_agents.server.scheduler import SchedulerError

    if isinstance(exc, SchedulerError):
        return APIError(exc.status, str(exc), code=exc.code)
    return internal_error(exc, code="generation_failed")


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
