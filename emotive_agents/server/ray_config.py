"""What a Ray Serve deployment of the server looks like: autoscaling, resources, and the keyword
arguments of `serve.deployment(...)`. Pure configuration: nothing here imports Ray.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from emotive_agents.errors import EmotiveError

if TYPE_CHECKING:
    from emotive_agents.server.settings import ServerSettings

DEFAULT_APP_NAME = "emotive-agents"
DEPLOYMENT_NAME = "EmotiveReplica"


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
