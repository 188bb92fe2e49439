"""The shared engine cache: one load per key, and no key's load blocks another's."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from emotive_agents import runtime


@pytest.fixture
def fake_load(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {"calls": [], "release_a": threading.Event(), "b_loaded": threading.Event()}

    def load(model: str, vectors: Any = None, **kwargs: Any) -> object:
        state["calls"].append(model)
        if model == "a":  # holds its load until b has loaded: impossible under one global lock
            state["a_waited"] = state["b_loaded"].wait(timeout=10)
            state["release_a"].wait(timeout=10)
        else:
            state["b_loaded"].set()
        return object()

    runtime.clear_engine_cache()
    monkeypatch.setattr(runtime.EmotiveEngine, "load", load)
    yield state
    runtime.clear_engine_cache()


def test_loading_one_model_does_not_block_another(fake_load: dict[str, Any]) -> None:
    got: dict[str, object] = {}
    threads = [
        threading.Thread(
            target=lambda: got.setdefault(
                "a", runtime.shared_engine("a", None, device="cpu", dtype="float32")
            )
        ),
        threading.Thread(
            target=lambda: got.setdefault(
                "a2", runtime.shared_engine("a", None, device="cpu", dtype="float32")
            )
        ),
    ]
    for thread in threads:
        thread.start()
    b = runtime.shared_engine("b", None, device="cpu", dtype="float32")  # while "a" is still loading
    fake_load["release_a"].set()
    for thread in threads:
        thread.join(timeout=10)
    assert fake_load["a_waited"], "b could not load while a was loading"
    assert got["a"] is got["a2"]  # the second caller waited for the first load instead of loading again
    assert sorted(fake_load["calls"]) == ["a", "b"]
    assert runtime.shared_engine("b", None, device="cpu", dtype="float32") is b


@pytest.fixture
def counting_load(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def load(model: str, vectors: Any = None, **kwargs: Any) -> object:
        calls.append(model)
        return object()

    runtime.clear_engine_cache()
    monkeypatch.setattr(runtime.EmotiveEngine, "load", load)
    yield calls
    runtime.clear_engine_cache()


def test_the_cache_keeps_the_most_recently_used_engines(
    counting_load: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMOTIVE_AGENTS_MAX_ENGINES", "2")

    def get(name: str) -> object:
        return runtime.shared_engine(name, None, device="cpu", dtype="float32")

    a, b = get("a"), get("b")
    assert get("a") is a  # a is now the most recently used
    c = get("c")  # evicts b, the least recently used
    assert get("a") is a and get("c") is c
    assert counting_load == ["a", "b", "c"]
    b2 = get("b")  # loads again after its eviction
    assert b2 is not b
    assert counting_load == ["a", "b", "c", "b"]


@pytest.mark.parametrize("raw", ["0", "-1", "many"])
def test_a_bad_engine_limit_is_a_clear_error_before_loading(
    counting_load: list[str], monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("EMOTIVE_AGENTS_MAX_ENGINES", raw)
    with pytest.raises(ValueError, match="EMOTIVE_AGENTS_MAX_ENGINES"):
        runtime.shared_engine("a", None, device="cpu", dtype="float32")
    assert counting_load == []


def test_the_default_engine_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMOTIVE_AGENTS_MAX_ENGINES", raising=False)
    assert runtime.max_engines() == runtime.DEFAULT_MAX_ENGINES
