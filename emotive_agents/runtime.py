"""Process-wide engine cache shared by the integrations, and a bridge from engine streams to asyncio.

LangChain rebuilds chat models for every configurable-field call and LlamaIndex copies LLMs freely, so
loaded engines are shared per (model, vectors, device, dtype): an app using both loads a model once, and
all their calls are rows of that engine's one executor. Loading happens under a per-key lock, never the
cache's global one, so loading one model does not block callers of another. The cache keeps the most
recently used engines only (`EMOTIVE_AGENTS_MAX_ENGINES`, default 4): an app that sweeps over many models
or vector sets would otherwise keep every one of them in memory for the life of the process. An evicted
engine stays usable by whoever still holds it; the next `shared_engine` call for its key loads it again.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator

from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.generator import GenerationStream

EngineKey = tuple[str, str | None, str, str]

_ENGINES: OrderedDict[EngineKey, EmotiveEngine] = OrderedDict()  # least recently used first
_LOADING: dict[EngineKey, threading.Lock] = {}
_ENGINES_LOCK = threading.Lock()  # guards the two dicts only; held for dictionary operations
DEFAULT_MAX_ENGINES = 4


def max_engines() -> int:
    """How many engines the cache keeps (`EMOTIVE_AGENTS_MAX_ENGINES`, at least 1)."""
    raw = os.environ.get("EMOTIVE_AGENTS_MAX_ENGINES", "")
    if not raw.strip():
        return DEFAULT_MAX_ENGINES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"EMOTIVE_AGENTS_MAX_ENGINES must be a whole number >= 1, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"EMOTIVE_AGENTS_MAX_ENGINES must be a whole number >= 1, got {raw!r}")
    return value


def shared_engine(model: str, vectors: str | None, *, device: str, dtype: str) -> EmotiveEngine:
    """The process-wide engine for this key, loading it on first use (once, however many threads ask)."""
    key: EngineKey = (model, vectors, device, dtype)
    limit = max_engines()  # read (and checked) before anything loads
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            _ENGINES.move_to_end(key)
            return engine
        loading = _LOADING.setdefault(key, threading.Lock())
    with loading:  # threads asking for this key wait here; other keys load in parallel
        with _ENGINES_LOCK:
            engine = _ENGINES.get(key)
        if engine is None:
            engine = EmotiveEngine.load(model, vectors, dtype=dtype, device=device)
            with _ENGINES_LOCK:
                _ENGINES[key] = engine
                while len(_ENGINES) > limit:
                    _ENGINES.popitem(last=False)
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
