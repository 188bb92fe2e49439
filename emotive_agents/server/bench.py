"""Server benchmark: N concurrent streaming clients with N different mixes vs the same requests in turn.

Both phases run against one live server (loopback HTTP, SSE streaming, the OpenAI wire format) in one
process and one run, so the ratio compares like with like on whatever machine it runs on. Isolation: with
greedy decoding every reply from the concurrent, mixed batch must equal the same request served alone.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.progress import ProgressCallback, stepper
from emotive_agents.server.settings import ServerSettings

PROMPTS = (
    "How was your weekend?",
    "My order is two weeks late.",
    "Tell me about Mondays.",
    "I lost my keys again.",
    "What should I cook tonight?",
    "Explain rain to a child.",
    "I failed my exam today.",
    "Any tips for sleeping better?",
)
MIXES: tuple[dict[str, float], ...] = (
    {"joy": 0.6},
    {"anger": 0.6},
    {},
    {"sadness": 0.7},
    {"fear": 0.5},
    {"calm": 0.6},
    {"encouraging": 0.7},
    {"patient": 0.5, "joy": 0.3},
)


def _stream_one(url: str, model: str, prompt: str, mix: dict[str, float], max_tokens: int) -> dict[str, Any]:
    """One streaming request; returns text, completion tokens, time to first token and total time."""
    import httpx

    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
        "emotion": mix,
    }
    start = time.perf_counter()
    first: float | None = None
    text, tokens = "", 0
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=600) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:
                raise RuntimeError(chunk["error"]["message"])
            for choice in chunk.get("choices", []):
                piece = choice.get("delta", {}).get("content")
                if piece:
                    first = first or time.perf_counter()
                    text += piece
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
    end = time.perf_counter()
    return {"text": text, "tokens": tokens, "ttft_s": (first or end) - start, "total_s": end - start}


def run_server_benchmark(
    *,
    model: str = DEFAULT_MODEL,
    clients: int = 8,
    max_tokens: int = 48,
    engine: Any = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Sequential vs concurrent aggregate tokens/s through the HTTP server, plus greedy isolation.

    `on_progress(done, total)` counts finished requests: the warm-up, each sequential request, then
    each concurrent client.
    """
    from emotive_agents.server.app import create_app
    from emotive_agents.server.runner import ServerThread

    if not 1 <= clients <= len(PROMPTS):
        raise ValueError(f"clients must be between 1 and {len(PROMPTS)}")
    if engine is None:
        from emotive_agents.engine import EmotiveEngine

        engine = EmotiveEngine.load(model)
    settings = ServerSettings(model=model, max_batch_size=clients, max_tokens_limit=max(512, max_tokens))
    jobs = [(PROMPTS[i], MIXES[i]) for i in range(clients)]
    app = create_app(settings, engine=engine)
    step = stepper(on_progress, 1 + 2 * clients)
    lock = threading.Lock()
    with ServerThread(app) as server:
        _stream_one(server.url, settings.model_id, "Hello!", {}, 4)  # warm-up
        step()
        start = time.perf_counter()
        sequential = []
        for prompt, mix in jobs:
            sequential.append(_stream_one(server.url, settings.model_id, prompt, mix, max_tokens))
            step()
        sequential_s = time.perf_counter() - start

        results: list[dict[str, Any] | None] = [None] * clients
        errors: list[BaseException] = []
        barrier = threading.Barrier(clients)

        def client(i: int) -> None:
            try:
                barrier.wait()
                results[i] = _stream_one(server.url, settings.model_id, *jobs[i], max_tokens)
                with lock:
                    step()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        concurrent_s = time.perf_counter() - start
        if errors:
            raise errors[0]
        concurrent = [r for r in results if r is not None]
        stats = app.state.server.scheduler.snapshot()
    seq_tokens = sum(r["tokens"] for r in sequential)
    con_tokens = sum(r["tokens"] for r in concurrent)
    seq_tps = seq_tokens / sequential_s
    con_tps = con_tokens / concurrent_s
    identical = [a["text"] == b["text"] for a, b in zip(sequential, concurrent, strict=True)]
    return {
        "model": model,
        "clients": clients,
        "distinct_mixes": len({json.dumps(m, sort_keys=True) for _, m in jobs}),
        "max_tokens": max_tokens,
        "sequential_s": round(sequential_s, 3),
        "concurrent_s": round(concurrent_s, 3),
        "sequential_tokens": seq_tokens,
        "concurrent_tokens": con_tokens,
        "sequential_tokens_per_s": round(seq_tps, 2),
        "concurrent_tokens_per_s": round(con_tps, 2),
        "throughput_ratio": round(con_tps / seq_tps, 2),
        "mean_ttft_sequential_s": round(sum(r["ttft_s"] for r in sequential) / clients, 3),
        "mean_ttft_concurrent_s": round(sum(r["ttft_s"] for r in concurrent) / clients, 3),
        "isolation_identical": sum(identical),
        "isolation_all_identical": all(identical),
        "mixes_differ": len({r["text"] for r in concurrent}) > 1,
        "scheduler_max_batch": stats.max_batch,
        "scheduler_mean_batch": round(stats.mean_batch, 2),
    }
