"""`serve` and `bench-server` commands: flags reach ServerSettings, --ray goes to Ray lazily."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from emotive_agents.cli import app

runner = CliRunner()


def test_serve_help_lists_the_contract_flags() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--model", "--vectors", "--policy", "--ray", "--replicas"):
        assert flag in result.output


def test_serve_builds_settings_and_runs_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app_: Any, **kwargs: Any) -> None:
        seen["app"], seen["kwargs"] = app_, kwargs

    monkeypatch.setattr(uvicorn, "run", fake_run)
    args = ["serve", "--port", "8123", "--policy", "support", "--max-batch-size", "4", "--timeout", "9"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert seen["kwargs"]["port"] == 8123 and seen["kwargs"]["host"] == "127.0.0.1"
    settings = seen["app"].state.settings
    assert (settings.policy, settings.max_batch_size, settings.request_timeout_s) == ("support", 4, 9.0)


def test_serve_ray_calls_run_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    import emotive_agents.server.ray as ray_module

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(ray_module, "run_ray", lambda settings, **kw: calls.append((settings, kw)))
    result = runner.invoke(app, ["serve", "--ray", "--replicas", "3", "--port", "8200"])
    assert result.exit_code == 0, result.output
    settings, kwargs = calls[0]
    assert settings.port == 8200
    assert kwargs == {"replicas": 3, "autoscaling": None}
    result = runner.invoke(app, ["serve", "--ray", "--replicas", "1", "--max-replicas", "4"])
    assert result.exit_code == 0, result.output
    autoscaling = calls[1][1]["autoscaling"]
    assert (autoscaling.min_replicas, autoscaling.max_replicas) == (1, 4)


def test_max_replicas_needs_ray() -> None:
    result = runner.invoke(app, ["serve", "--max-replicas", "2"])
    assert result.exit_code != 0


def test_cli_import_stays_light() -> None:
    """Registering the server commands imports neither FastAPI nor uvicorn (`--help` stays fast)."""
    code = (
        "import sys, emotive_agents.cli; "
        "print([m for m in ('fastapi', 'uvicorn', 'emotive_agents.server.app') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
