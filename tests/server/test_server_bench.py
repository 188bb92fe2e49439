"""The server benchmark's mechanics on the tiny model (figures are measured by `bench-server`, not here)."""

from __future__ import annotations

import pytest
from _server_helpers import Slow

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server import bench
from emotive_agents.server.bench import run_server_benchmark


def test_benchmark_reports_ratio_and_isolation(
    tiny_engine: EmotiveEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tiny vector set has joy, anger and sadness only.
    monkeypatch.setattr(bench, "MIXES", ({"joy": 0.6}, {"anger": 0.6}, {}, {"sadness": 0.5, "joy": 0.2}))
    progress: list[tuple[int, int]] = []
    with Slow(tiny_engine, delay=0.005):  # the tiny model is so fast that clients might never overlap
        report = run_server_benchmark(
            model="tiny-llama",
            clients=4,
            max_tokens=6,
            engine=tiny_engine,
            on_progress=lambda done, total: progress.append((done, total)),
        )
    # Progress counts finished requests: the warm-up, 4 sequential, 4 concurrent.
    assert progress == [(i, 9) for i in range(10)]
    assert report["clients"] == 4 and report["distinct_mixes"] == 4
    assert report["sequential_tokens"] == report["concurrent_tokens"] == 4 * 6
    assert report["isolation_all_identical"] is True
    assert report["isolation_identical"] == 4
    assert report["throughput_ratio"] > 0
    assert report["scheduler_max_batch"] >= 2, "the concurrent clients never shared a batch"


def test_benchmark_refuses_bad_client_counts() -> None:
    with pytest.raises(ValueError, match="clients"):
        run_server_benchmark(clients=0, engine=object())
