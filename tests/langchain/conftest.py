"""Fixtures for the LangChain integration tests: a tiny steerable engine with a chat template."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors

from emotive_agents.engine import EmotiveEngine
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.vector_set import EmotionVectorSet


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Iterator[None]:
    """Mark the standard suite's `async def` tests for pytest-asyncio (partner packages use auto mode).

    Runs inside pytest-asyncio's own wrapper, so it sees the mark and turns the items into async ones.
    """
    outcome = yield
    if not inspect.iscoroutinefunction(obj):
        return
    result = outcome.get_result()
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, pytest.Function):
            item.add_marker(pytest.mark.asyncio)


@pytest.fixture(scope="session")
def tiny_engine() -> EmotiveEngine:
    """A 3-layer Llama with a character tokenizer; its random vectors visibly change greedy outputs.

    Seed 1 answers differ by prompt and contain spaces, where the engine's streamer flushes text.
    """
    tokenizer = make_tokenizer(SIMPLE_TEMPLATE)
    loaded = LoadedModel.from_hf(build_tiny_llama(seed=1), tokenizer, name="tiny-llama")
    vectors = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS, scale=0.05), loaded.fingerprint)
    return EmotiveEngine(loaded, vectors)


class SlowForward:
    """Counts forward passes of a model and sleeps in each, to make generation observably slow."""

    def __init__(self, engine: EmotiveEngine, delay: float) -> None:
        self._model = engine.loaded.model
        self._delay = delay
        self._lock = threading.Lock()
        self.calls = 0

    def _hook(self, module: Any, args: Any) -> None:
        with self._lock:
            self.calls += 1
        time.sleep(self._delay)

    def __enter__(self) -> SlowForward:
        self._handle = self._model.register_forward_pre_hook(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.remove()


@pytest.fixture
def slow(tiny_engine: EmotiveEngine) -> Iterator[SlowForward]:
    """The tiny engine at ~5 ms per forward pass, with a count of passes (removed after the test)."""
    with SlowForward(tiny_engine, delay=0.005) as counter:
        yield counter
