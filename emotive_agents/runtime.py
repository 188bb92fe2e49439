"""Process-wide engine cache and a thread-to-asyncio bridge for engine streams, shared by integrations.

LangChain rebuilds chat models for every configurable-field call and LlamaIndex copies LLMs freely, so
loaded engines are shared per (model, vectors, device, dtype): an app using both loads a model once.
The cache is guarded by a lock; steering itself stays per call inside the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncGenerator

from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.generator import GenerationStream

EngineKey = tuple[str, str | None, str, str]

_ENGINES: dict[EngineKey, EmotiveEngine] = {}
_ENGINES_LOCK = threading.Lock()


def shared_engine(model: str, vectors: str | None, *, device: str, dtype: str) -> EmotiveEngine:
    """The process-wide engine for this key, loading it on first use.

    Loading happens under the lock so two threads asking for one model never load it twice.
    """
    key: EngineKey = (model, vectors, device, dtype)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = EmotiveEngine.load(model, vectors, dtype=dtype, device=device)
            _ENGINES[key] = engine
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
    """Yield an engine stream's text chunks without blocking the event loop.

    A daemon thread drains the blocking iterator and hands chunks over with `call_soon_threadsafe`. If the
    consumer leaves early (break, task cancellation, timeout), generation is cancelled and the worker is
    joined off the loop, so no tokens keep being computed for nobody.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()

    def post(item: tuple[str, object]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def drain() -> None:
        try:
            for piece in stream:
                post(("piece", piece))
        except BaseException as exc:
            post(("error", exc))
        else:
            post(("done", None))

    threading.Thread(target=drain, name="emotive-astream", daemon=True).start()
    finished = False
    try:
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                kind, value = await asyncio.wait_for(queue.get(), remaining)
            except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
                raise TimeoutError(
                    f"generation took longer than timeout={timeout}s and was cancelled"
                ) from None
            if kind == "piece":
                yield str(value)
            elif kind == "error":
                finished = True
                assert isinstance(value, BaseException)
                raise value
            else:
                finished = True
                return
    finally:
        if not finished:
            try:
                await asyncio.to_thread(stream.close)
            except RuntimeError:  # no executor any more (loop shutting down): close inline
                stream.close()
