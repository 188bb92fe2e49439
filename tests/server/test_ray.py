"""The Ray Serve deployment on a real local Ray cluster (loopback only): two replicas share the load, a
killed replica is replaced while the other keeps answering, and shutdown leaves nothing running.

Replicas run the tiny Llama of `_tiny.py` (built inside each replica by `tiny_engine_factory`), so the
test measures Ray's plumbing rather than model speed. It skips only when Ray Serve cannot be imported.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.ray import (
    DEPLOYMENT_NAME,
    PID_HEADER,
    REPLICA_HEADER,
    RayAutoscaling,
    RayOptions,
    RayServeError,
    RayServing,
    deploy,
    deployment_options,
)
from emotive_agents.server.runner import free_port
from emotive_agents.server.settings import ServerSettings

SKIP_REASON = "Ray Serve is not installed (pip install 'emotive-agents[ray]')"

TESTS_DIR = Path(__file__).resolve().parents[1]
MODEL_NAME = "tiny-llama"
RECOVERY_S = 90.0  # generous: replica start on 2 busy cores is ~5-15 s


def tiny_engine_factory(settings: ServerSettings) -> EmotiveEngine:
    """Runs inside a replica: the same tiny steerable Llama as the `tiny_engine` fixture."""
    from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors

    from emotive_agents.models.loading import LoadedModel
    from emotive_agents.vectors.vector_set import EmotionVectorSet

    loaded = LoadedModel.from_hf(build_tiny_llama(seed=1), make_tokenizer(SIMPLE_TEMPLATE), name=MODEL_NAME)
    vectors = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS, scale=0.05), loaded.fingerprint)
    return EmotiveEngine(loaded, vectors, max_batch_size=settings.max_batch_size)


def _chat(url: str, content: str, timeout: float = 30.0) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = {
        "model": MODEL_NAME,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": 4,
        "temperature": 0,
        "emotion": {"joy": 0.5},
    }
    request = urllib.request.Request(
        f"{url}/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, {}, dict(error.headers)
    except OSError:  # a request stranded on a killed replica times out or is reset: a failure, status 0
        return 0, {}, {}


def _answered(status: int, payload: dict[str, Any]) -> bool:
    return status == 200 and isinstance(payload["choices"][0]["message"]["content"], str)


@pytest.fixture(scope="module")
def ray() -> Any:
    pytest.importorskip("ray.serve", reason=SKIP_REASON)
    import ray
    from ray import cloudpickle

    # Replicas cannot import this test module: ship `tiny_engine_factory` by value instead.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return ray


@pytest.fixture(scope="module")
def serving(ray: Any) -> Iterator[RayServing]:
    settings = ServerSettings(
        model=MODEL_NAME, port=free_port(), max_batch_size=4, max_queue=8, request_timeout_s=60
    )
    # Replicas are fresh processes: give them the tests directory so `_tiny` imports there.
    python_path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH")) if p)
    options = RayOptions(
        num_cpus=1,
        runtime_env={"env_vars": {"PYTHONPATH": python_path, "OMP_NUM_THREADS": "1"}},
        health_check_period_s=1,
        health_check_timeout_s=10,
        graceful_shutdown_timeout_s=2,
        log_to_driver=False,
    )
    served = deploy(settings, replicas=2, options=options, engine_factory=tiny_engine_factory)
    try:
        yield served
    finally:
        served.shutdown()


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_requests_spread_over_both_replicas(serving: RayServing) -> None:
    assert len(serving.replica_actor_names()) == 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: _chat(serving.url, f"Hello number {i}"), range(16)))
    assert all(_answered(status, payload) for status, payload, _ in results)
    replicas = {headers[REPLICA_HEADER] for _, _, headers in results}
    pids = {headers[PID_HEADER] for _, _, headers in results}
    assert len(replicas) == 2, replicas
    assert len(pids) == 2 and str(os.getpid()) not in pids  # two separate replica processes


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_killed_replica_is_replaced_and_requests_keep_being_answered(serving: RayServing, ray: Any) -> None:
    before = serving.replica_actor_names()
    assert len(before) == 2
    victim_id = before[0].rsplit("#", 1)[1]
    survivor_id = before[1].rsplit("#", 1)[1]

    log: list[tuple[float, int, str]] = []  # (start time, status, replica id)
    stop = threading.Event()

    def client(worker: int) -> None:
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            status, payload, headers = _chat(serving.url, f"worker {worker} request {i}")
            ok = _answered(status, payload) if status == 200 else False
            log.append((started, status if ok else -abs(status), headers.get(REPLICA_HEADER, "")))
            i += 1

    workers = [threading.Thread(target=client, args=(w,), daemon=True) for w in range(3)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        killed_at = time.monotonic()
        ray.kill(ray.get_actor(before[0], namespace="serve"), no_restart=True)

        # Ray Serve notices the dead actor and starts a replacement with a new replica id.
        deadline = killed_at + RECOVERY_S
        replacement: set[str] = set()
        while time.monotonic() < deadline and not replacement:
            replacement = set(serving.replica_actor_names()) - set(before)
            time.sleep(0.25)
        assert replacement, "Ray Serve did not start a replacement replica"
        new_id = next(iter(replacement)).rsplit("#", 1)[1]

        # Keep the load on until the replacement itself has answered a few requests.
        while time.monotonic() < deadline and sum(1 for *_, r in log if r == new_id) < 3:
            time.sleep(0.25)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)

    after_kill = [entry for entry in log if entry[0] > killed_at]
    answered_by = {replica for _, status, replica in after_kill if status == 200}
    assert new_id in answered_by, "the replacement replica never answered"
    assert survivor_id in answered_by, "the surviving replica stopped answering"
    assert victim_id not in {r for t, s, r in log if s == 200 and t > killed_at + 1.0}
    # Only requests already routed to the victim when it died may fail; everything after recovery works.
    failures = [(round(t - killed_at, 2), s, r) for t, s, r in log if s != 200]
    assert len(failures) <= len(workers), failures  # at most one in-flight request per client
    assert all(started < 0.5 for started, _, _ in failures), failures  # none sent after the kill
    first_new = min(t for t, s, r in log if r == new_id and s == 200)
    assert all(status == 200 for started, status, _ in log if started >= first_new)
    assert len(serving.replica_actor_names()) == 2


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_shutdown_stops_ray_and_frees_the_port(serving: RayServing, ray: Any) -> None:
    port = int(serving.url.rsplit(":", 1)[1].split("/")[0])
    assert serving.owns_cluster  # this process started the local Ray, so shutdown stops all of it
    serving.shutdown()
    assert not ray.is_initialized()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nobody listens any more
    serving.shutdown()  # idempotent


def test_deployment_options_fixed_replicas() -> None:
    settings = ServerSettings(max_batch_size=8, max_queue=32)
    opts = deployment_options(settings, replicas=3, options=RayOptions(num_cpus=2))
    assert opts["name"] == DEPLOYMENT_NAME
    assert opts["num_replicas"] == 3 and "autoscaling_config" not in opts
    assert opts["ray_actor_options"] == {"num_cpus": 2, "num_gpus": 0}
    # A replica may hold a full batch plus its own queue; Ray's router queue is bounded like the server's.
    assert opts["max_ongoing_requests"] == 40
    assert opts["max_queued_requests"] == 32


def test_deployment_options_autoscaling_is_what_ray_validates() -> None:
    scaling = RayAutoscaling(min_replicas=1, max_replicas=4, target_ongoing_requests=6, upscale_delay_s=5)
    settings = ServerSettings(device="cuda", dtype="float16")
    options = RayOptions(num_gpus=0.5, runtime_env={"env_vars": {"A": "1"}}, max_queued_requests=0)
    opts = deployment_options(settings, autoscaling=scaling, options=options)
    assert "num_replicas" not in opts
    default_cpus = float(max(1, (os.cpu_count() or 1) // 4))  # this machine's cores over max_replicas
    assert opts["ray_actor_options"] == {
        "num_cpus": default_cpus,
        "num_gpus": 0.5,
        "runtime_env": {"env_vars": {"A": "1"}},
    }
    assert opts["max_queued_requests"] == 0
    pytest.importorskip("ray.serve", reason=SKIP_REASON)
    from ray.serve.config import AutoscalingConfig

    accepted = AutoscalingConfig(**opts["autoscaling_config"])
    assert (accepted.min_replicas, accepted.max_replicas) == (1, 4)
    assert accepted.target_ongoing_requests == 6 and accepted.upscale_delay_s == 5


def test_gpu_replicas_need_a_gpu_device() -> None:
    with pytest.raises(RayServeError, match="device='cuda'"):
        deployment_options(ServerSettings(), options=RayOptions(num_gpus=1))
    with pytest.raises(RayServeError, match="at least 1"):
        deployment_options(ServerSettings(), replicas=0)


def test_autoscaling_bounds_are_validated() -> None:
    with pytest.raises(ValueError, match="min_replicas"):
        RayAutoscaling(min_replicas=3, max_replicas=2)
    with pytest.raises(ValueError, match="initial_replicas"):
        RayAutoscaling(min_replicas=1, max_replicas=2, initial_replicas=5)


def test_connect_joins_a_cluster_instead_of_starting_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """With $RAY_ADDRESS, or when `ray.init()` finds a cluster started by `ray start`, we join it: no
    num_cpus is forced on it, and shutting down later must leave that cluster running."""
    pytest.importorskip("ray.serve", reason=SKIP_REASON)
    import ray

    from emotive_agents.server import ray as ray_module

    calls: list[dict[str, Any]] = []

    def fake_init(**kwargs: Any) -> None:
        calls.append(kwargs)
        if "num_cpus" in kwargs:
            raise ValueError(
                "When connecting to an existing cluster, num_cpus and num_gpus must not be provided."
            )

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", fake_init)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert ray_module._connect(RayOptions(num_cpus=1), most_replicas=3) == (False, True)
    assert "num_cpus" not in calls[-1] and calls[-1]["address"] is None

    calls.clear()
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    assert ray_module._connect(RayOptions(), most_replicas=1) == (False, True)
    assert calls == [{"address": "auto", "log_to_driver": True}]
