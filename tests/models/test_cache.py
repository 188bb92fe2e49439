"""The converted-model cache: manifest, detection of partial or corrupt copies, rebuild, cache location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from _tiny import build_tiny_llama, make_tokenizer

from emotive_agents.models import loading
from emotive_agents.models.cache import MANIFEST, cache_problem, discard
from emotive_agents.models.loading import load_model, resolve_model_path, save_converted
from emotive_agents.models.paths import DEFAULT_MODEL, default_cache_dir, is_converted


@pytest.fixture
def converted(tmp_path: Path) -> Path:
    target = tmp_path / "models" / "tiny-0123"
    save_converted(build_tiny_llama(), make_tokenizer(), target)
    return target


def test_a_fresh_copy_is_complete_and_loads(converted: Path) -> None:
    assert cache_problem(converted) is None and is_converted(converted)
    manifest = json.loads((converted / MANIFEST).read_text())
    assert manifest["files"]["model.safetensors"] == (converted / "model.safetensors").stat().st_size
    assert [p.name for p in converted.parent.iterdir()] == [converted.name]  # no staging left behind
    loaded = load_model(str(converted))
    reference = build_tiny_llama()
    assert all(torch.equal(reference.state_dict()[k], v) for k, v in loaded.model.state_dict().items())


def test_a_truncated_weights_file_is_detected(converted: Path) -> None:
    weights = converted / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    assert "model.safetensors" in (cache_problem(converted) or "")
    assert not is_converted(converted)


def test_a_copy_without_its_manifest_is_partial_unless_its_files_are_whole(converted: Path) -> None:
    (converted / MANIFEST).unlink()
    assert cache_problem(converted) is None  # adopted: a copy from before the manifest existed
    assert (converted / MANIFEST).is_file()
    (converted / MANIFEST).unlink()
    (converted / "tokenizer.json").unlink()
    assert "tokenizer.json" in (cache_problem(converted) or "")


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda d: (d / "tokenizer.json").write_text("{}"), "tokenizer.json has"),
        (lambda d: (d / "config.json").unlink(), "missing config.json"),
        (lambda d: (d / MANIFEST).write_text("not json"), "unreadable manifest"),
        (lambda d: (d / MANIFEST).write_text('{"format": 99}'), "unknown format"),
    ],
)
def test_damage_is_named(converted: Path, damage, fragment: str) -> None:
    damage(converted)
    assert fragment in (cache_problem(converted) or "")


def test_a_garbage_header_is_detected(converted: Path) -> None:
    weights = converted / "model.safetensors"
    size = weights.stat().st_size
    weights.write_bytes(b"\xff" * size)  # same size, so only the header check can tell
    assert "header" in (cache_problem(converted) or "")


def test_a_missing_directory_is_not_converted(tmp_path: Path) -> None:
    assert cache_problem(tmp_path / "absent") == "not converted yet"
    discard(tmp_path / "absent")  # nothing to do, no error


def test_a_broken_copy_is_discarded_and_rebuilt(converted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (converted / "model.safetensors").write_bytes(b"partial")
    calls: list[Path] = []

    def convert(gguf: Path, target: Path) -> None:
        assert not target.exists()  # the broken copy is gone before conversion starts
        calls.append(target)
        save_converted(build_tiny_llama(), make_tokenizer(), target)

    monkeypatch.setattr(loading, "embedded_model_dir", lambda cache_dir=None: converted)
    monkeypatch.setattr(loading, "embedded_gguf_path", lambda: Path("never-read.gguf"))
    monkeypatch.setattr(loading, "_convert_gguf", convert)
    assert resolve_model_path(DEFAULT_MODEL) == str(converted)
    assert calls == [converted] and is_converted(converted)
    assert [p.name for p in converted.parent.iterdir()] == [converted.name]  # the stale copy is deleted
    assert resolve_model_path(DEFAULT_MODEL) == str(converted)
    assert calls == [converted]  # intact now: no second conversion


def test_the_cache_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EMOTIVE_AGENTS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "emotive-agents"
    monkeypatch.setenv("EMOTIVE_AGENTS_CACHE", str(tmp_path / "override"))
    assert default_cache_dir() == tmp_path / "override"  # the explicit override wins
