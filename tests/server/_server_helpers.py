"""Helpers shared by the server tests (importable as a module, unlike conftest)."""

from __future__ import annotations

import threading
import time
from typing import Any

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.settings import ServerSettings

TINY = "tiny-llama"


def tiny_settings(**overrides: object) -> ServerSettings:
    """Settings for the tiny engine: the fast lexical affect reader, small limits."""
    values: dict[str, object] = {
        "model": TINY,
        "router_classifier": "vader",
        "max_batch_size": 8,
        "max_queue": 16,
        "request_timeout_s": 60.0,
        "max_tokens_limit": 64,
        "default_max_tokens": 8,
        "max_body_bytes": 64 * 1024,
    }
    values.update(overrides)
    return ServerSettings(**values)  # type: ignore[arg-type]


def chat_body(content: str = "Hello there", **extra: object) -> dict[str, object]:
    return {"model": TINY, "messages": [{"role": "user", "content": content}], "max_tokens": 8, **extra}


class Slow:
    """Sleeps in every forward pass of the engine's model, so a test can catch generation mid-way."""

    def __init__(self, engine: EmotiveEngine, delay: float) -> None:
        self._model = engine.loaded.model
        self._delay = delay
        self._lock = threading.Lock()
        self.calls = 0

    def _hook(self, module: Any, args: Any) -> None:
        with self._lock:
            self.calls += 1
        time.sleep(self._delay)

    def __enter__(self) -> Slow:
        self._handle = self._model.register_forward_pre_hook(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.remove()
