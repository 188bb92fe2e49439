"""Decode benchmarks of the executor, as ratios measured in one run (part of `emotive-agents bench`).

- `executor_vs_hf_generate_b24`: 24 rows through the executor vs one plain `model.generate` call on the same
  left-padded prompts (greedy, unsteered, full budgets): what the one decode loop costs or buys at scale.
- `seeded_vs_greedy_b8`: 8 seeded sampled rows (each with its own generator, decoded together) vs 8 greedy.
- `<dtype>_vs_fp32_b1` / `_b8`: decode speed at batch 1 and 8 in half precision, with
  `<dtype>_greedy_agreement`, the share of greedy tokens equal to fp32's on the benchmark prompts (a quick
  quality check; the eval comparison is in docs/performance.md).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.types import GenerationRequest


def _timed_tokens(run: Callable[[], int]) -> float:
    start = time.perf_counter()
    tokens = run()
    return tokens / (time.perf_counter() - start)


def _medians(runs: Sequence[Callable[[], float]], repeats: int) -> list[float]:
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for i, run in enumerate(runs):
            samples[i].append(run())
    return [statistics.median(s) for s in samples]


def _hf_generate(engine: EmotiveEngine, requests: Sequence[GenerationRequest], max_new_tokens: int) -> int:
    """Plain transformers `generate` on the same prompts (left-padded), greedy, decoding the full budget."""
    loaded = engine.loaded
    rows = [engine.generator.prompt_ids(r) for r in requests]
    pad = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(row)
        mask[i, width - len(row) :] = 1
    with torch.inference_mode():
        out = loaded.model.generate(
            input_ids=ids.to(loaded.device),
            attention_mask=mask.to(loaded.device),
            max_new_tokens=max_new_tokens,
            min_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=pad,
        )
    return int(out[:, width:].numel())


def _executor(engine: EmotiveEngine, requests: list[GenerationRequest]) -> int:
    return sum(r.usage.output_tokens for r in engine.generate_batch(requests))


def executor_ratios(
    engine: EmotiveEngine, prompts: Sequence[str], *, max_new_tokens: int, repeats: int
) -> dict[str, Any]:
    def rows(size: int, **params: Any) -> list[GenerationRequest]:
        return [
            engine.request(
                prompts[i % len(prompts)], None, max_new_tokens=max_new_tokens, ignore_eos=True, **params
            )
            for i in range(size)
        ]

    wide = rows(24)
    executor_b24, hf_b24 = _medians(
        [
            lambda: _timed_tokens(lambda: _executor(engine, wide)),
            lambda: _timed_tokens(lambda: _hf_generate(engine, wide, max_new_tokens)),
        ],
        repeats,
    )
    seeded = [
        r.model_copy(
            update={"params": r.params.model_copy(update={"temperature": 0.8, "top_p": 0.95, "seed": i})}
        )
        for i, r in enumerate(rows(8))
    ]
    greedy = rows(8)
    seeded_b8, greedy_b8 = _medians(
        [
            lambda: _timed_tokens(lambda: _executor(engine, seeded)),
            lambda: _timed_tokens(lambda: _executor(engine, greedy)),
        ],
        repeats,
    )
    return {
        "executor_tok_s_b24": round(executor_b24, 2),
        "hf_generate_tok_s_b24": round(hf_b24, 2),
        "executor_vs_hf_generate_b24": round(executor_b24 / hf_b24, 3),
        "seeded_tok_s_b8": round(seeded_b8, 2),
        "seeded_vs_greedy_b8": round(seeded_b8 / greedy_b8, 3),
    }


def half_precision_ratios(
    engine: EmotiveEngine, prompts: Sequence[str], *, max_new_tokens: int, repeats: int
) -> dict[str, Any]:
    """Batch-1 decode speed of float16 and bfloat16 copies of the model against the fp32 engine."""
    model = engine.loaded.name
    engines = {"fp32": engine}
    for name, dtype in (("fp16", "float16"), ("bf16", "bfloat16")):
        engines[name] = EmotiveEngine.load(model, dtype=dtype)  # the fingerprint holds across dtypes
    texts = {
        name: [e.generate(p, max_new_tokens=max_new_tokens) for p in prompts] for name, e in engines.items()
    }

    def rows(e: EmotiveEngine, count: int) -> Callable[[], float]:
        requests = [
            e.request(prompts[i % len(prompts)], None, max_new_tokens=max_new_tokens, ignore_eos=True)
            for i in range(count)
        ]
        return lambda: _timed_tokens(lambda: _executor(e, requests))

    speeds = dict(zip(engines, _medians([rows(e, 1) for e in engines.values()], repeats), strict=True))
    # Batched steps are compute-bound, where a CPU without half-precision arithmetic loses: measure them too.
    b8 = dict(
        zip(engines, _medians([rows(e, 8) for e in engines.values()], max(1, repeats - 1)), strict=True)
    )
    out: dict[str, Any] = {}
    tokenizer = engine.loaded.tokenizer
    reference = [tokenizer(r.text, add_special_tokens=False)["input_ids"] for r in texts["fp32"]]
    for name in ("fp16", "bf16"):
        other = [tokenizer(r.text, add_special_tokens=False)["input_ids"] for r in texts[name]]
        same = sum(
            a == b for ref, oth in zip(reference, other, strict=True) for a, b in zip(ref, oth, strict=False)
        )
        total = sum(max(len(a), len(b)) for a, b in zip(reference, other, strict=True)) or 1
        out[f"{name}_vs_fp32_b1"] = round(speeds[name] / speeds["fp32"], 3)
        out[f"{name}_vs_fp32_b8"] = round(b8[name] / b8["fp32"], 3)
        out[f"{name}_greedy_agreement"] = round(same / total, 3)
    out["fp32_tok_s_b1"] = round(speeds["fp32"], 2)
    return out
