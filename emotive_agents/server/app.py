"""The FastAPI app: the routes of server/routes.py over one engine and its continuous-batching scheduler.

`create_app(settings, engine=None)` builds the app; its lifespan loads the engine (when not given), runs
the scheduler and sets the serving objects the routes hand requests to, so the same app object serves
under uvicorn, in tests and in Ray Serve replicas. The app's state is the engine, the scheduler, the
registered router policies and one router per policy, all built at start; everything per request lives
in the request. Importing this module needs no torch: the engine and the scheduler load in the lifespan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware

from emotive_agents._version import __version__
from emotive_agents.server.http_errors import install_handlers
from emotive_agents.server.routes import STATIC_DIR, router
from emotive_agents.server.security import ApiGuard, HostOriginGuard
from emotive_agents.server.serving_ollama import OllamaServing
from emotive_agents.server.serving_openai import OpenAIServing
from emotive_agents.server.settings import ServerSettings
from emotive_agents.server.state import ServerState, build_policies, build_routers

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.server.policies import PolicyRegistry


def create_app(settings: ServerSettings, engine: EmotiveEngine | None = None) -> FastAPI:
    """Build the app; the engine is loaded in the lifespan when not given, and the scheduler runs there.

    With an engine, the policies are checked here, so a bad `--policy` raises before anything serves.
    """
    given_policies = build_policies(settings, engine) if engine is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await start_state(settings, engine, given_policies)
        app.state.server = state
        app.state.openai = OpenAIServing(state)
        app.state.ollama = OllamaServing(state)
        try:
            yield
        finally:
            await asyncio.to_thread(state.scheduler.stop)

    docs = settings.enable_docs
    app = FastAPI(
        title="emotive-agents",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    add_guards(app, settings)
    install_handlers(app)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


async def start_state(
    settings: ServerSettings, engine: EmotiveEngine | None, policies: PolicyRegistry | None = None
) -> ServerState:
    """Load the engine (unless given, then `policies` are the ones checked against it), build the
    routers and start the scheduler."""
    from emotive_agents.server.scheduler import Scheduler

    if engine is None:
        from emotive_agents.engine import EmotiveEngine

        engine = await asyncio.to_thread(
            EmotiveEngine.load, settings.model, settings.vectors, dtype=settings.dtype, device=settings.device
        )
        policies = build_policies(settings, engine)
    routers = build_routers(settings, engine, policies) if policies is not None else {}
    scheduler = Scheduler(
        engine,
        max_batch_size=settings.max_batch_size,
        max_queue=settings.max_queue,
        request_timeout_s=settings.request_timeout_s,
    ).start()
    return ServerState(settings, engine, scheduler, policies, routers)


def add_guards(app: FastAPI, settings: ServerSettings) -> None:
    """The security middlewares. Starlette runs the last added first: host/origin, CORS, then the key."""
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
