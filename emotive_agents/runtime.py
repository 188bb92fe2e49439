"""Process-wide engine cache shared by the integrations, and a bridge from engine streams to asyncio.

LangChain rebuilds chat models for every configurable-field call and LlamaIndex copies LLMs freely, so
loaded engines are shared per (model, vectors, device, dtype): an app using both loads a model once, and
all their calls are rows of that engine's one executor. Loading happens under a per-key lock, never the
cache's global one, so loading one model does not block callers of another.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator

from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.generator import GenerationStream

EngineKey = tuple[str, str | None, str, str]

_ENGINES: dict[EngineKey, EmotiveEngine] = {}
_LOADING: dict[EngineKey, threading.Lock] = {}
_ENGINES_LOCK = threading.Lock()  # guards the two dicts only; held for dictionary operations


def shared_engine(model: str, vectors: str | None, *, device: str, dtype: str) -> EmotiveEngine:
    """The process-wide engine for this key, loading it on first use (once, however many threads ask)."""
    key: EngineKey = (model, vectors, device, dtype)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            return engine
        loading = _LOADING.setdefault(key, threading.Lock())
    with loading:  # threads asking for this key wait here; other keys load in parallel
        with _ENGINES_LOCK:
            engine = _ENGINES.get(key)
        if engine is None:
            engine = EmotiveEngine.load(model, vectors, dtype=dtype, device=device)
            with _ENGINES_LOCK:
                _ENGINES[key] = engine
    with _ENGINES_LOCK:
        if _LOADING.get(key) is loading:
            del _LOADING[key]
    return engine


def clear_engine_cache() -> None:
    """Drop every cached engine (frees their memory once no chat model holds one)."""
    with _ENGINES_LOCK:
        _ENGINES.clear()


def check_deadline(deadline: float | None, timeout: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError(f"generation took longer than timeout={timeout}s and was cancelled")


async def aiter_stream(
    stream: GenerationStream, *, deadline: float | None = None, timeout: float | None = None
) -> AsyncGenerator[str, None]:
    """Yield an engine stream's text chunks on the event loop the stream was created on.

    Kept for callers written against the old thread bridge; the stream itself is async-iterable now and
    leaving early (break, cancellation, the deadline) cancels its row.
    """
    async for piece in stream:
        check_deadline(deadline, timeout)
        yield piece
