"""`serve` and `bench-server` commands: flags reach ServerSettings, --ray goes to Ray lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from emotive_agents.cli import app
from emotive_agents.engine import EmotiveEngine

runner = CliRunner()


def test_serve_help_lists_the_contract_flags() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--model", "--vectors", "--policy", "--ray", "--replicas"):
        assert flag in result.output


@pytest.fixture
def fake_serving(monkeypatch: pytest.MonkeyPatch, tiny_engine: EmotiveEngine) -> dict[str, Any]:
    """uvicorn.run records its app instead of serving; the engine loads as the tiny one."""
    import uvicorn

    seen: dict[str, Any] = {"loads": 0}

    def fake_run(app_: Any, **kwargs: Any) -> None:
        seen["app"], seen["kwargs"] = app_, kwargs

    def fake_load(*args: Any, **kwargs: Any) -> EmotiveEngine:
        seen["loads"] += 1
        return tiny_engine

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(EmotiveEngine, "load", staticmethod(fake_load))
    return seen


def test_serve_builds_settings_and_runs_uvicorn(fake_serving: dict[str, Any]) -> None:
    args = ["serve", "--port", "8123", "--policy", "support", "--max-batch-size", "4", "--timeout", "9"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert fake_serving["kwargs"]["port"] == 8123 and fake_serving["kwargs"]["host"] == "127.0.0.1"
    settings = fake_serving["app"].state.settings
    assert (settings.policy, settings.max_batch_size, settings.request_timeout_s) == ("support", 4, 9.0)
    assert settings.api_key is None and settings.cors_origins == () and not settings.enable_docs


def test_serve_security_and_policy_flags(fake_serving: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "cheerful.yaml").write_text("name: cheerful\ndefault_mix: {joy: 0.4}\n")
    args = [
        "serve", "--policy", "health", "--policy", "tutor", "--policy-dir", str(tmp_path),
        "--api-key", "k-123", "--cors-origin", "http://app.example:3000",
        "--allowed-host", "box.lan", "--docs",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    settings = fake_serving["app"].state.settings
    assert (settings.policy, settings.policies, settings.policy_dir) == ("health", ("tutor",), str(tmp_path))
    assert settings.api_key.get_secret_value() == "k-123"
    assert settings.cors_origins == ("http://app.example:3000",) and settings.allowed_hosts == ("box.lan",)
    assert settings.enable_docs
    from_env = runner.invoke(app, ["serve"], env={"EMOTIVE_AGENTS_API_KEY": "env-key"})
    assert from_env.exit_code == 0, from_env.output
    assert fake_serving["app"].state.settings.api_key.get_secret_value() == "env-key"


def test_serve_warns_when_exposed_without_a_key(fake_serving: dict[str, Any]) -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "without --api-key" in result.stderr


def _one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_serve_with_a_bad_policy_fails_at_start(fake_serving: dict[str, Any], tmp_path: Path) -> None:
    line = _one_error_line(runner.invoke(app, ["serve", "--policy", "no-such-policy"]))
    assert "neither a shipped policy" in line
    assert fake_serving["loads"] == 0  # refused before the model loads
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: typo\ndefault_mix: {jyo: 0.5}\n")
    line = _one_error_line(runner.invoke(app, ["serve", "--policy", str(typo)]))
    assert "lacks: jyo" in line
    assert "app" not in fake_serving  # uvicorn never started
    line = _one_error_line(runner.invoke(app, ["serve", "--policy-dir", str(tmp_path / "missing")]))
    assert "not a directory" in line


def test_serve_with_tampered_vectors_prints_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_llama: Any, llama_vectors: Any
) -> None:
    import uvicorn

    import emotive_agents.engine as engine_module
    from emotive_agents.vectors.store import METADATA_FILE, save_vector_set

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("uvicorn must not start"))
    monkeypatch.setattr(engine_module, "load_model", lambda *a, **k: tiny_llama)
    folder = save_vector_set(llama_vectors, tmp_path / "tampered")
    meta = json.loads((folder / METADATA_FILE).read_text())
    meta["intensity_scale"] = {"joy": 50.0}
    (folder / METADATA_FILE).write_text(json.dumps(meta))
    line = _one_error_line(runner.invoke(app, ["serve", "--model", "tiny-llama", "--vectors", str(folder)]))
    assert "do not match the checksum" in line


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
