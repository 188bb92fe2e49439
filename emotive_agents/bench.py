"""Benchmark: steering overhead, per-row mixes and start-up, as ratios measured in one run.

Throughput runs alternate between the configurations being compared and keep the median of
`repeats`, so drift on a busy machine hits both sides alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.progress import ProgressCallback, stepper
from emotive_agents.vectors.corpus import ReplyCorpus
from emotive_agents.vectors.queries import EmotionPrompts, Query

PROMPTS = (
    "How was your weekend?",
    "Can you explain how photosynthesis works?",
    "My order arrived late. What can I do?",
    "What should I cook for dinner tonight?",
    "How do I prepare for a job interview?",
    "Tell me about the history of bicycles.",
    "What are good habits for better sleep?",
    "How do I reset my account password?",
)
MIXES = (
    {"joy": 1.0},
    {"anger": 1.0},
    {"sadness": 1.0},
    {"fear": 1.0},
    {"disgust": 1.0},
    {"joy": 0.5, "fear": -0.5},
    {"sadness": -1.0},
    {"joy": 0.7, "sadness": 0.3},
)
# A user's start: import the engine, then load (transformers' model stack is imported by that load).
_START_SCRIPT = (
    "import time, json; t0 = time.perf_counter()\n"
    "from emotive_agents.engine import EmotiveEngine\n"
    "t1 = time.perf_counter(); EmotiveEngine.load({model!r}); t2 = time.perf_counter()\n"
    "EmotiveEngine.load({model!r}); t3 = time.perf_counter()\n"
    "print(json.dumps({{'import_s': t1 - t0, 'load_s': t2 - t1, 'reload_s': t3 - t2}}))\n"
)
# How much of a first load is transformers' model stack: imported alone, as `load_model` imports it.
_STACK_SCRIPT = (
    "import time, json\n"
    "import emotive_agents.engine\n"
    "from emotive_agents._startup import paused_gc\n"
    "from emotive_agents.models.import_cache import import_transformers\n"
    "t0 = time.perf_counter()\n"
    "with paused_gc():\n"
    "    import_transformers()\n"
    "    import transformers.modeling_utils, transformers.models.auto.modeling_auto\n"
    "print(json.dumps({{'transformers_s': time.perf_counter() - t0}}))\n"
)


def _start_time(model: str, cache_dir: str | None, script: str = _START_SCRIPT) -> dict[str, float]:
    """Run `script` in a fresh interpreter (optionally with an empty cache, i.e. a cold start).

    `load_s` counts from the end of `import emotive_agents.engine`, so it includes transformers' model
    stack, imported lazily on the first load as in a user's first load.
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env["EMOTIVE_AGENTS_CACHE"] = cache_dir
    out = subprocess.run(
        [sys.executable, "-c", script.format(model=model)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _warm_start(model: str, repeats: int) -> dict[str, float]:
    """Median of `repeats` warm starts (each a fresh interpreter), by total; one start is too noisy.

    `transformers_s` comes from one more fresh start that imports the model stack alone.
    """
    runs = [_start_time(model, None) for _ in range(max(1, repeats))]
    runs.sort(key=lambda run: run["import_s"] + run["load_s"])
    stack = _start_time(model, None, script=_STACK_SCRIPT)
    return {**runs[len(runs) // 2], "transformers_s": stack["transformers_s"]}


def _tokens_per_second(engine: EmotiveEngine, requests: list[GenerationRequest]) -> float:
    start = time.perf_counter()
    results = engine.generate_batch(requests)
    elapsed = time.perf_counter() - start
    return sum(r.usage.output_tokens for r in results) / elapsed


def _sequential_tokens_per_second(engine: EmotiveEngine, requests: list[GenerationRequest]) -> float:
    start = time.perf_counter()
    total = sum(engine.generate_batch([r])[0].usage.output_tokens for r in requests)
    return total / (time.perf_counter() - start)


def _interleaved_medians(
    runs: list[Callable[[], float]], repeats: int, step: Callable[[], None] = lambda: None
) -> list[float]:
    """Run each configuration once per round, `repeats` rounds; median per configuration."""
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, bucket in zip(runs, samples, strict=True):
            bucket.append(run())
            step()
    return [statistics.median(bucket) for bucket in samples]


def extraction_speed(
    engine: EmotiveEngine,
    queries: int = 16,  # one full batch: fewer rows would understate what batching buys at scale
    max_new_tokens: int = 24,
    *,
    query_list: list[Query] | None = None,
    prompts: EmotionPrompts | None = None,
    step: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """Five-emotion extraction over the same queries, batched (16 rows) vs one query at a time."""
    from emotive_agents.vectors.extract import ExtractionConfig, extract_vectors
    from emotive_agents.vectors.queries import DEFAULT_QUERIES, load_prompts, load_queries

    query_list = (query_list or load_queries(DEFAULT_QUERIES))[:queries]
    prompts = prompts or load_prompts()
    seconds = []
    for batch_size in (16, 1):
        config = ExtractionConfig(max_new_tokens=max_new_tokens, batch_size=batch_size)
        start = time.perf_counter()
        extract_vectors(engine.loaded, query_list, prompts, config)
        seconds.append(time.perf_counter() - start)
        step()
    return {
        "extraction_queries": queries,
        "extraction_batched_s": round(seconds[0], 2),
        "extraction_sequential_s": round(seconds[1], 2),
        "extraction_batched_vs_sequential": round(seconds[1] / seconds[0], 3),
    }


def teacher_forced_speed(
    engine: EmotiveEngine,
    queries: int = 16,
    max_new_tokens: int = 24,
    *,
    corpus: ReplyCorpus | None = None,
    prompts: EmotionPrompts | None = None,
    repeats: int = 1,
    step: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """Five-emotion extraction over `queries` queries: generate-then-pool vs forcing corpus replies.

    Both sides are batched (16 rows) and pool at most `max_new_tokens` reply tokens per row, so the
    ratio is what skipping generation buys. The three runs alternate for `repeats` rounds (median
    per side, wall and this process's CPU time), so drift on a busy machine hits all alike. Returns
    {} when there is no reply corpus to force.
    """
    from emotive_agents.vectors.corpus import DEFAULT_REPLIES, load_replies
    from emotive_agents.vectors.extract import ExtractionConfig, extract_vectors
    from emotive_agents.vectors.queries import load_prompts
    from emotive_agents.vectors.teacher_forced import TeacherForcedConfig, extract_from_replies

    if corpus is None:
        if not DEFAULT_REPLIES.exists():
            return {}
        corpus = load_replies(DEFAULT_REPLIES)
    emotions = ("anger", "disgust", "fear", "joy", "sadness")
    corpus = corpus.subset(corpus.queries[:queries])
    forced_config = TeacherForcedConfig(emotions=emotions, max_response_tokens=max_new_tokens)

    texts = [Query(text=q) for q in corpus.queries]
    config = ExtractionConfig(emotions=emotions, max_new_tokens=max_new_tokens, batch_size=16)
    prompt_set = prompts or load_prompts()
    runs: dict[str, Callable[[], object]] = {
        "forced": lambda: extract_from_replies(engine.loaded, corpus, forced_config),  # shared prompt
        "per_row": lambda: extract_from_replies(  # one prompt + reply forward per row, as before
            engine.loaded, corpus, forced_config.model_copy(update={"shared_prompt": False})
        ),
        "generated": lambda: extract_vectors(engine.loaded, texts, prompt_set, config),
    }
    cpu: dict[str, list[float]] = {name: [] for name in runs}  # what a busy machine distorts least

    def timed(name: str) -> Callable[[], float]:
        def run() -> float:
            start, start_cpu = time.perf_counter(), time.process_time()
            runs[name]()
            cpu[name].append(time.process_time() - start_cpu)
            return time.perf_counter() - start

        return run

    medians = _interleaved_medians([timed(name) for name in runs], max(1, repeats), step)
    wall = dict(zip(runs, medians, strict=True))
    cpu_s = {name: statistics.median(samples) for name, samples in cpu.items()}
    return {
        "teacher_forced_queries": len(texts),
        "teacher_forced_s": round(wall["forced"], 2),
        "teacher_forced_per_row_s": round(wall["per_row"], 2),
        "generation_extraction_s": round(wall["generated"], 2),
        "teacher_forced_vs_generation": round(wall["generated"] / wall["forced"], 3),
        "teacher_forced_per_row_vs_generation": round(wall["generated"] / wall["per_row"], 3),
        "teacher_forced_vs_generation_cpu": round(cpu_s["generated"] / max(cpu_s["forced"], 1e-9), 3),
    }


def run_benchmark(
    model: str = DEFAULT_MODEL,
    max_new_tokens: int = 32,
    repeats: int = 3,
    extraction: bool = True,
    *,
    half_precision: bool = True,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Return the figures documented in the README (keys are a stable contract).

    `on_progress(done, total)` counts timed runs: throughput runs, start-up runs, extraction runs and
    the router and reply-reading measurements.
    """
    torch.manual_seed(0)
    engine = EmotiveEngine.load(model)
    if engine.vector_set is None:
        raise RuntimeError(f"model {model!r} has no shipped vector set to benchmark with")
    forced_rounds = max(1, repeats - 1)  # each round generates 96 replies: the slowest part of a bench
    extraction_steps = 2 + 3 * forced_rounds if extraction else 0
    step = stepper(on_progress, 1 + 5 * repeats + 2 + 2 + extraction_steps + 2 + 1 + half_precision)

    def batch(mixes: list[dict[str, float] | None], size: int) -> list[GenerationRequest]:
        return [
            engine.request(PROMPTS[i], mixes[i % len(mixes)], max_new_tokens=max_new_tokens, ignore_eos=True)
            for i in range(size)
        ]

    engine.generate_batch(batch([None], 2))  # warm-up
    step()
    mixed = batch(list(MIXES), 8)
    plain_b1, steered_b1, plain_b8, steered_b8, mixed_b8 = _interleaved_medians(
        [
            lambda: _tokens_per_second(engine, batch([None], 1)),
            lambda: _tokens_per_second(engine, batch([MIXES[0]], 1)),
            lambda: _tokens_per_second(engine, batch([None], 8)),
            lambda: _tokens_per_second(engine, batch([MIXES[0]], 8)),
            lambda: _tokens_per_second(engine, mixed),
        ],
        repeats,
        step,
    )
    # Sequential single-row calls are slow; one interleaved round against the mixed batch is enough.
    mixed_again, sequential_b8 = _interleaved_medians(
        [lambda: _tokens_per_second(engine, mixed), lambda: _sequential_tokens_per_second(engine, mixed)],
        1,
        step,
    )
    from emotive_agents.bench_decode import executor_ratios, half_precision_ratios

    decode = executor_ratios(engine, PROMPTS, max_new_tokens=max_new_tokens, repeats=repeats)
    step()
    if half_precision:
        decode.update(half_precision_ratios(engine, PROMPTS, max_new_tokens=max_new_tokens, repeats=repeats))
        step()
    with tempfile.TemporaryDirectory() as empty_cache:
        cold = _start_time(model, empty_cache)
    step()
    warm = _warm_start(model, repeats)
    step()
    extraction_figures = (
        {
            **extraction_speed(engine, step=step),
            **teacher_forced_speed(engine, repeats=forced_rounds, step=step),
        }
        if extraction
        else {}
    )
    from emotive_agents.router.bench import router_overhead

    router = router_overhead(model=model, repeats=repeats)
    step()
    from emotive_agents.monitor.bench import reply_reading_overhead

    reply = reply_reading_overhead(model=model, repeats=max(1, repeats - 1))
    step()
    return {
        "model": model,
        "max_new_tokens": max_new_tokens,
        "repeats": repeats,
        "torch_threads": torch.get_num_threads(),
        "plain_tok_s_b1": round(plain_b1, 2),
        "steered_tok_s_b1": round(steered_b1, 2),
        "plain_tok_s_b8": round(plain_b8, 2),
        "steered_tok_s_b8": round(steered_b8, 2),
        "mixed_tok_s_b8": round(mixed_b8, 2),
        "sequential_tok_s_b8": round(sequential_b8, 2),
        "steered_vs_unsteered_b1": round(steered_b1 / plain_b1, 3),
        "steered_vs_unsteered_b8": round(steered_b8 / plain_b8, 3),
        "mixed_vs_plain_b8": round(mixed_b8 / plain_b8, 3),
        "mixed_batch_vs_sequential_b8": round(mixed_again / sequential_b8, 3),
        "cold_start_s": round(cold["import_s"] + cold["load_s"], 2),
        "warm_start_s": round(warm["import_s"] + warm["load_s"], 2),
        "warm_load_s": round(warm["load_s"], 2),  # includes transformers' lazy model imports
        "warm_transformers_import_s": round(warm["transformers_s"], 2),  # of which transformers' model stack
        "warm_reload_s": round(warm["reload_s"], 2),  # model + vectors once libraries are imported
        "import_s": round(warm["import_s"], 2),
        "router_vs_turn": round(router["ratio"], 4),  # affect router per turn / a 64-token turn
        "router_with_tracker_vs_turn": round(router["ratio_with_tracker"], 4),
        "reply_reading_vs_turn": round(reply["ratio"], 4),  # reading the reply / a 64-token turn
        **decode,
        **extraction_figures,
    }
