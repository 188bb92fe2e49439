"""Ray Serve deployment of the OpenAI-compatible server: N replicas behind one HTTP endpoint.

Each replica is one `create_app` instance in its own Ray actor process: it loads the model and vectors
once and runs its own continuous-batching scheduler, exactly as `emotive-agents serve` does on one
machine. Ray Serve adds what one process cannot: a proxy that spreads requests over replicas, restarts
of dead replicas, autoscaling on queue length, and placement on a multi-node cluster with GPUs. Ray is an
optional dependency (`pip install 'emotive-agents[ray]'`) and is imported only when used.

Every response carries `x-emotive-replica` (the Ray replica id) and `x-emotive-pid`, so clients and tests
can see which replica answered.
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

from pydantic import BaseModel, ConfigDict, Field, model_validator

from emotive_agents.errors import EmotiveError

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.server.settings import ServerSettings

REPLICA_HEADER = "x-emotive-replica"
PID_HEADER = "x-emotive-pid"
DEFAULT_APP_NAME = "emotive-agents"
DEPLOYMENT_NAME = "EmotiveReplica"

# Builds a replica's engine inside the replica process; it must be picklable (a module-level function,
# or a closure cloudpickle can ship). None: the app loads `settings.model` / `settings.vectors` itself.
EngineFactory = Callable[["ServerSettings"], "EmotiveEngine"]


class RayServeError(EmotiveError):
    """Ray is missing, or the Ray deployment is configured in a way that cannot work."""


class RayAutoscaling(BaseModel):
    """Ray Serve's autoscaling knobs for the replica deployment (passed through as `autoscaling_config`).

    Ray adds a replica when the average number of ongoing requests per replica stays above
    `target_ongoing_requests` for `upscale_delay_s`, and removes one when it stays below for
    `downscale_delay_s`. One replica batches up to `max_batch_size` rows per forward, so the default
    target of 8 keeps a replica busy with full-ish batches before another one is paid for.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_replicas: int = Field(default=1, ge=0, description="Never fewer replicas (0 allows scale to zero).")
    max_replicas: int = Field(default=2, ge=1, description="Never more replicas.")
    initial_replicas: int | None = Field(default=None, ge=0, description="Replicas at deploy (default: min).")
    target_ongoing_requests: float = Field(
        default=8.0, gt=0, description="Wanted in-flight requests per replica."
    )
    upscale_delay_s: float = Field(default=30.0, ge=0, description="How long load must stay high to add one.")
    downscale_delay_s: float = Field(
        default=600.0, ge=0, description="How long load must stay low to remove one."
    )
    look_back_period_s: float = Field(
        default=30.0, gt=0, description="Window the request metric is averaged over."
    )

    @model_validator(mode="after")
    def _ordered(self) -> RayAutoscaling:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) > max_replicas ({self.max_replicas})")
        if self.initial_replicas is not None and not (
            self.min_replicas <= self.initial_replicas <= self.max_replicas
        ):
            raise ValueError("initial_replicas must lie between min_replicas and max_replicas")
        return self

    def to_ray(self) -> dict[str, Any]:
        """The dict Ray Serve's `autoscaling_config` takes."""
        return self.model_dump(exclude_none=True)


class RayOptions(BaseModel):
    """Where Ray runs and what each replica may use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str | None = Field(
        default=None,
        description="None: $RAY_ADDRESS if set, else start a local Ray on this machine. 'auto': join the "
        "cluster this node belongs to. 'ray://HEAD:10001': connect a client to a remote cluster.",
    )
    num_cpus: float | None = Field(
        default=None,
        ge=0,
        description="CPUs reserved per replica; Ray sets the replica's OMP_NUM_THREADS to it unless the "
        "environment does. Default: this machine's cores split evenly over the (maximum) replicas, at "
        "least 1; set it explicitly for a cluster whose nodes differ from this one.",
    )
    num_gpus: float = Field(default=0.0, ge=0, description="GPUs per replica (fractions share one GPU).")
    max_ongoing_requests: int | None = Field(
        default=None,
        ge=1,
        description="Requests Ray routes to one replica at once (default: the server's max_batch_size "
        "+ max_queue: enough to fill a batch and the replica's own queue).",
    )
    max_queued_requests: int | None = Field(
        default=None,
        ge=0,
        description="Requests Ray's router holds while every replica is at max_ongoing_requests; past "
        "that Ray answers 503 (default: the server's max_queue, so waiting stays bounded).",
    )
    app_name: str = Field(default=DEFAULT_APP_NAME, min_length=1)
    route_prefix: str = Field(default="/", pattern=r"^/")
    runtime_env: dict[str, Any] | None = Field(
        default=None, description="Ray runtime_env of the replicas (env_vars, pip, working_dir...)."
    )
    health_check_period_s: float = Field(default=10.0, gt=0)
    health_check_timeout_s: float = Field(default=30.0, gt=0)
    graceful_shutdown_timeout_s: float = Field(default=20.0, ge=0)
    log_to_driver: bool = Field(default=True, description="Show the replicas' logs in this process.")
    local_num_cpus: int | None = Field(
        default=None,
        ge=1,
        description="CPUs a locally started Ray advertises (default: enough for all replicas, at least "
        "this machine's core count). Ignored when joining a cluster.",
    )


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


def replica_cpus(options: RayOptions, most_replicas: int) -> float:
    """CPUs per replica: as configured, else this machine's cores shared by the most replicas there can be."""
    if options.num_cpus is not None:
        return options.num_cpus
    return float(max(1, (os.cpu_count() or 1) // max(1, most_replicas)))


def deployment_options(
    settings: ServerSettings,
    replicas: int = 1,
    autoscaling: RayAutoscaling | None = None,
    options: RayOptions | None = None,
) -> dict[str, Any]:
    """The keyword arguments of `serve.deployment(...)` for the replica class (pure: needs no Ray)."""
    options = options or RayOptions()
    if replicas < 1:
        raise RayServeError(f"replicas must be at least 1, got {replicas}")
    if options.num_gpus > 0 and not settings.device.startswith("cuda"):
        raise RayServeError(
            f"each replica reserves {options.num_gpus} GPU but the server would run on "
            f"device={settings.device!r}; set device='cuda' (and dtype='float16' or 'bfloat16')"
        )
    most = autoscaling.max_replicas if autoscaling is not None else replicas
    actor_options: dict[str, Any] = {"num_cpus": replica_cpus(options, most), "num_gpus": options.num_gpus}
    if options.runtime_env:
        actor_options["runtime_env"] = dict(options.runtime_env)
    scaling: dict[str, Any] = (
        {"autoscaling_config": autoscaling.to_ray()}
        if autoscaling is not None
        else {"num_replicas": replicas}
    )
    return {
        "name": DEPLOYMENT_NAME,
        "ray_actor_options": actor_options,
        "max_ongoing_requests": options.max_ongoing_requests or settings.max_batch_size + settings.max_queue,
        "max_queued_requests": (
            options.max_queued_requests if options.max_queued_requests is not None else settings.max_queue
        ),
        "health_check_period_s": options.health_check_period_s,
        "health_check_timeout_s": options.health_check_timeout_s,
        "graceful_shutdown_timeout_s": options.graceful_shutdown_timeout_s,
        **scaling,
    }


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
