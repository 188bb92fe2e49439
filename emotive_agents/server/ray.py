"""Ray Serve deployment of the OpenAI-compatible server: N replicas behind one HTTP endpoint.

Each replica is one `create_app` instance in its own Ray actor process: it loads the model and vectors
once and runs its own continuous-batching scheduler, exactly as `emotive-agents serve` does on one
machine. Ray Serve adds what one process cannot: a proxy that spreads requests over replicas, restarts
of dead replicas, autoscaling on queue length, and placement on a multi-node cluster with GPUs. Ray is an
optional dependency (`pip install 'emotive-agents[ray]'`) and is imported only when used.

Every response carries `x-emotive-replica` (the Ray replica id) and `x-emotive-pid`, so clients and tests
can see which replica answered. The deployment's configuration (autoscaling, resources, the
`serve.deployment` arguments) lives in server/ray_config.py and is re-exported here.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emotive_agents.server.ray_config import (
    DEPLOYMENT_NAME,
    RayAutoscaling,
    RayOptions,
    RayServeError,
    deployment_options,
    replica_cpus,
)

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.server.settings import ServerSettings

REPLICA_HEADER = "x-emotive-replica"
PID_HEADER = "x-emotive-pid"

# Builds a replica's engine inside the replica process; it must be picklable (a module-level function,
# or a closure cloudpickle can ship). None: the app loads `settings.model` / `settings.vectors` itself.
EngineFactory = Callable[["ServerSettings"], "EmotiveEngine"]


def _import_serve() -> Any:
    try:
        from ray import serve
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise RayServeError(
            "Ray Serve is not installed: pip install 'emotive-agents[ray]' (or 'ray[serve]')"
        ) from exc
    return serve


class _ReplicaHeaders:
    """ASGI middleware that names the answering replica in every HTTP response (streams included)."""

    def __init__(self, app: Any, replica_id: str, pid: int) -> None:
        self.app = app
        self.extra = [
            (REPLICA_HEADER.encode(), replica_id.encode()),
            (PID_HEADER.encode(), str(pid).encode()),
        ]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def build_replica_app(
    settings: ServerSettings, engine_factory: EngineFactory | None, replica_id: str
) -> Any:
    """One replica's FastAPI app: `create_app` plus the replica headers. Runs inside the replica."""
    from emotive_agents.server.app import create_app

    engine = None
    if engine_factory is not None:
        engine = await asyncio.to_thread(engine_factory, settings)  # keep the replica's loop responsive
    app = create_app(settings, engine=engine)
    app.add_middleware(_ReplicaHeaders, replica_id=replica_id, pid=os.getpid())
    return app


def _replica_class() -> type:
    """The Serve ingress class, built on demand so that importing this module never needs Ray."""
    serve = _import_serve()

    class EmotiveReplica:
        """Holds one `create_app` instance; Ray calls `__serve_build_asgi_app__` once per replica."""

        def __init__(self, settings: ServerSettings, engine_factory: EngineFactory | None = None) -> None:
            self._settings = settings
            self._engine_factory = engine_factory

        async def __serve_build_asgi_app__(self) -> Any:
            replica_id = serve.get_replica_context().replica_id.unique_id
            self._app = await build_replica_app(self._settings, self._engine_factory, replica_id)
            return self._app

        def check_health(self) -> None:
            """Ray's periodic probe: a replica whose batching loop died is replaced, not kept routing."""
            state = getattr(getattr(self, "_app", None), "state", None)
            scheduler = getattr(getattr(state, "server", None), "scheduler", None)
            if scheduler is not None and not scheduler.running:
                raise RuntimeError("the replica's continuous-batching scheduler is not running")

    return serve.ingress()(EmotiveReplica)


def build_application(
    settings: ServerSettings,
    replicas: int = 1,
    autoscaling: RayAutoscaling | None = None,
    *,
    options: RayOptions | None = None,
    engine_factory: EngineFactory | None = None,
) -> Any:
    """A bound Ray Serve application (not yet running): `serve.run(build_application(...))` starts it."""
    serve = _import_serve()
    kwargs = deployment_options(settings, replicas, autoscaling, options)
    return serve.deployment(_replica_class(), **kwargs).bind(settings, engine_factory)


@dataclass
class RayServing:
    """A running deployment. `shutdown()` removes it: it stops Ray (and Serve) when this process started
    a local Ray, and otherwise deletes only this application and disconnects, leaving the cluster up."""

    url: str
    app_name: str
    owns_cluster: bool
    connected: bool
    _stopped: bool = field(default=False, repr=False)

    def replica_actor_names(self) -> list[str]:
        """Named Ray actors of this app's live replicas (for monitoring, and for tests that kill one)."""
        import ray

        prefix = f"SERVE_REPLICA::{self.app_name}#{DEPLOYMENT_NAME}#"
        return sorted(
            actor["name"]
            for actor in ray.util.list_named_actors(all_namespaces=True)
            if actor["name"].startswith(prefix)
        )

    def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        import ray

        serve = _import_serve()
        if self.owns_cluster:
            serve.shutdown()
        else:
            serve.delete(self.app_name)
        if self.connected:
            ray.shutdown()

    def __enter__(self) -> RayServing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _connect(options: RayOptions, most_replicas: int) -> tuple[bool, bool]:
    """Start or join Ray unless this process already did; returns (owns_cluster, connected)."""
    import ray

    if ray.is_initialized():
        return False, False
    address = options.address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"log_to_driver": options.log_to_driver}
    if address is None:
        # Ray's CPUs are logical: advertise enough for every replica so none stays pending forever.
        needed = math.ceil(most_replicas * replica_cpus(options, most_replicas))
        cpus = options.local_num_cpus or max(os.cpu_count() or 1, needed)
        try:
            ray.init(num_cpus=cpus, include_dashboard=False, **kwargs)
            return True, True
        except ValueError as exc:  # ray.init() found a cluster started by `ray start` on this node
            if "existing cluster" not in str(exc):
                raise
    ray.init(address=address, **kwargs)
    return False, True


def deploy(
    settings: ServerSettings,
    replicas: int = 1,
    autoscaling: RayAutoscaling | None = None,
    *,
    options: RayOptions | None = None,
    engine_factory: EngineFactory | None = None,
) -> RayServing:
    """Start (or join) Ray, start Serve's HTTP proxy on `settings.host:settings.port`, deploy, wait ready."""
    serve = _import_serve()
    options = options or RayOptions()
    app = build_application(settings, replicas, autoscaling, options=options, engine_factory=engine_factory)
    most = autoscaling.max_replicas if autoscaling is not None else replicas
    owns_cluster, connected = _connect(options, most)
    serving = RayServing(
        url=_endpoint(settings, options),
        app_name=options.app_name,
        owns_cluster=owns_cluster,
        connected=connected,
    )
    try:
        serve.start(http_options={"host": settings.host, "port": settings.port})
        serve.run(app, name=options.app_name, route_prefix=options.route_prefix)
    except RuntimeError as exc:
        serving.shutdown()
        raise RayServeError(
            f"{exc} The replicas' tracebacks are in Ray's session logs (logs/serve/replica_*.log; "
            "a local Ray keeps them under /tmp/ray/session_latest)."
        ) from exc
    except BaseException:
        serving.shutdown()
        raise
    return serving


def _endpoint(settings: ServerSettings, options: RayOptions) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    return f"http://{host}:{settings.port}{options.route_prefix.rstrip('/')}"


def run_ray(
    settings: ServerSettings,
    replicas: int = 1,
    autoscaling: RayAutoscaling | None = None,
    *,
    options: RayOptions | None = None,
    engine_factory: EngineFactory | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Deploy, print the endpoint, block until Ctrl-C / SIGTERM (or `stop` is set), then shut down."""
    serving = deploy(settings, replicas, autoscaling, options=options, engine_factory=engine_factory)
    stop = stop or threading.Event()
    scaling = (
        f"autoscaling {autoscaling.min_replicas}..{autoscaling.max_replicas} replicas"
        if autoscaling is not None
        else f"{replicas} replica(s)"
    )
    print(f"emotive-agents on Ray Serve: {serving.url}/v1  ({scaling}; Ctrl-C stops)", flush=True)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        serving.shutdown()


def app_builder(args: dict[str, Any]) -> Any:
    """Entry point for Ray's own tooling: `serve run emotive_agents.server.ray:app_builder model=...`.

    `args` are ServerSettings fields; replicas, autoscaling and resources then come from the Serve config
    file (deployment name `EmotiveReplica`), which is how a production cluster is usually driven.
    """
    from emotive_agents.server.settings import ServerSettings

    return build_application(ServerSettings(**args))


__all__ = [
    "DEPLOYMENT_NAME",
    "PID_HEADER",
    "REPLICA_HEADER",
    "EngineFactory",
    "RayAutoscaling",
    "RayOptions",
    "RayServeError",
    "RayServing",
    "app_builder",
    "build_application",
    "deploy",
    "deployment_options",
    "replica_cpus",
    "run_ray",
]
