"""Lab script: where decode time goes in fp32, fp16 and bf16 on this machine (docs/performance.md).

Times, on the embedded model without steering: a batch-1 decode step, a batch-8 decode step and a
batch-8 prefill of 64 tokens, plus the share of the batch-1 step spent in matrix products (torch
profiler). `emotive-agents bench` reports the end-to-end ratios; this shows why they are what they are.

PYTHONPATH=$PWD OMP_NUM_THREADS=1 python -m benchmarks.half_precision [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from emotive_agents.models.loading import load_model

PROMPT = "How was your weekend? Tell me everything about it, from Friday evening to Sunday night."
DTYPES = ("float32", "float16", "bfloat16")
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::mv")


def _decode_step_s(model: Any, ids: torch.Tensor, steps: int) -> float:
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    output = model(input_ids=ids, cache=cache, use_cache=True, logits_to_keep=1)
    token = output.logits[:, -1].argmax(-1, keepdim=True)
    start = time.perf_counter()
    for _ in range(steps):
        output = model(input_ids=token, cache=cache, use_cache=True)
        token = output.logits[:, -1].argmax(-1, keepdim=True)
    return (time.perf_counter() - start) / steps


def _prefill_s(model: Any, ids: torch.Tensor) -> float:
    start = time.perf_counter()
    model(input_ids=ids, use_cache=False, logits_to_keep=1)
    return time.perf_counter() - start


def _matmul_share(model: Any, ids: torch.Tensor) -> float:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        _decode_step_s(model, ids, 8)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) or 1
    return sum(e.self_cpu_time_total for e in events if e.key in MATMUL_OPS) / total


def measure(model_name: str = "smollm2-135m") -> dict[str, Any]:
    torch.manual_seed(0)
    out: dict[str, Any] = {"threads": torch.get_num_threads(), "cpu": torch.backends.cpu.get_cpu_capability()}
    for dtype in DTYPES:
        loaded = load_model(model_name, dtype=dtype)
        model = loaded.model
        one = loaded.tokenizer(PROMPT, return_tensors="pt").input_ids
        with torch.inference_mode():
            _decode_step_s(model, one, 3)  # warm-up
            b1 = min(_decode_step_s(model, one, 16) for _ in range(3))
            b8 = min(_decode_step_s(model, one.repeat(8, 1), 8) for _ in range(2))
            prefill = min(_prefill_s(model, torch.randint(100, 20000, (8, 64))) for _ in range(2))
            share = _matmul_share(model, one)
        out[dtype] = {
            "b1_step_ms": round(b1 * 1e3, 1),
            "b8_step_ms": round(b8 * 1e3, 1),
            "prefill_8x64_ms": round(prefill * 1e3, 1),
            "b1_matmul_share": round(share, 3),
        }
    for dtype in DTYPES[1:]:
        out[f"{dtype}_speed_vs_fp32"] = {
            key: round(out["float32"][key] / out[dtype][key], 3)
            for key in ("b1_step_ms", "b8_step_ms", "prefill_8x64_ms")
        }
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    report = measure(args.model)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
