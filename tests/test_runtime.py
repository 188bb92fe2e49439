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
