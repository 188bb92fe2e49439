"""The HTTP routes, kept thin: read the body (size limit, JSON checks), validate it into a request model,
hand it to the serving object the app holds, and send back what it returns (a model as JSON, or a
stream). No route holds pipeline logic; see server/serving.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

from emotive_agents.server.bodies import parse_body, read_json
from emotive_agents.server.http_errors import APIError
from emotive_agents.server.ollama_protocol import (
    OllamaChatRequest,
    OllamaGenerateRequest,
    OllamaShowRequest,
    OllamaVersion,
)
from emotive_agents.server.protocol import ChatCompletionRequest, CompletionRequest
from emotive_agents.server.serving import Disconnected, Serving, Stream
from emotive_agents.server.serving_ollama import OllamaServing
from emotive_agents.server.serving_openai import OpenAIServing

STATIC_DIR = Path(__file__).parent / "static"
S = TypeVar("S", bound=Serving)
M = TypeVar("M", bound=BaseModel)

router = APIRouter()


def _serving(request: Request, name: str, kind: type[S]) -> S:
    """The app's serving object (`openai` or `ollama`), set by the lifespan once the engine runs."""
    serving = getattr(request.app.state, name, None)
    if not isinstance(serving, kind):
        raise APIError(503, "the server is still starting", code="unavailable")
    return serving


def _openai(request: Request) -> OpenAIServing:
    return _serving(request, "openai", OpenAIServing)


def _ollama(request: Request) -> OllamaServing:
    return _serving(request, "ollama", OllamaServing)


def respond(result: BaseModel | Stream, status_code: int = 200) -> Response:
    if isinstance(result, Stream):
        return StreamingResponse(result.chunks, media_type=result.media_type, headers=result.headers)
    return JSONResponse(result.model_dump(mode="json"), status_code=status_code)


async def _body(request: Request, serving: Serving) -> object:
    return await read_json(request, serving.settings.max_body_bytes)


async def _parsed(request: Request, serving: Serving, model: type[M]) -> M:
    """The body within the size limit, validated into `model` (a 4xx with a stable code otherwise)."""
    return parse_body(await _body(request, serving), model)


async def _generate(
    request: Request,
    serving_of: Callable[[Request], S],
    model: type[M],
    call: Callable[[S, M, Disconnected], Awaitable[BaseModel | Stream]],
) -> Response:
    """Every generating route of both APIs: parse the body into `model`, hand it to the serving object's
    `call` (which answers or streams), stop when the client disconnects."""
    serving = serving_of(request)
    return respond(await call(serving, await _parsed(request, serving, model), request.is_disconnected))


# -- OpenAI and the server's own -------------------------------------------------------------------------


@router.get("/health")
async def health(request: Request) -> Response:
    result = _openai(request).health()
    return respond(result, status_code=200 if result.status == "ok" else 503)


@router.get("/v1/models")
async def models(request: Request) -> Response:
    return respond(_openai(request).models())


@router.get("/v1/emotions")
async def emotions(request: Request) -> Response:
    """What the chat page offers: steerable emotions, router policies and the server's limits."""
    return respond(_openai(request).emotions())


@router.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    return await _generate(request, _openai, ChatCompletionRequest, OpenAIServing.create_chat_completion)


@router.post("/v1/completions")
async def completions(request: Request) -> Response:
    return await _generate(request, _openai, CompletionRequest, OpenAIServing.create_completion)


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


# -- Ollama ------------------------------------------------------------------------------------------------


@router.get("/api/version")
async def ollama_version() -> Response:
    return respond(OllamaVersion())


@router.get("/api/tags")
async def ollama_tags(request: Request) -> Response:
    return respond(_ollama(request).tags())


@router.post("/api/show")
async def ollama_show(request: Request) -> Response:
    serving = _ollama(request)
    body = await _body(request, serving)
    shown = parse_body(body, OllamaShowRequest) if isinstance(body, dict) else OllamaShowRequest()
    return respond(serving.show(shown))


@router.post("/api/chat")
async def ollama_chat(request: Request) -> Response:
    return await _generate(request, _ollama, OllamaChatRequest, OllamaServing.chat)


@router.post("/api/generate")
async def ollama_generate(request: Request) -> Response:
    return await _generate(request, _ollama, OllamaGenerateRequest, OllamaServing.generate)
