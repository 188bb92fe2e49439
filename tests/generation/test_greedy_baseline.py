"""Greedy outputs on a fixed prompt set equal those recorded before the executor replaced `model.generate`.

`greedy_baseline.json` was written by the pre-executor code (HF `generate`, commit 7974ac0) for the tiny
Llama and GPT-2 (and SmolLM2-135M, checked by the benchmark script, not here): solo and batched rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _tiny import (
    GPT2_LAYERS,
    LLAMA_LAYERS,
    SIMPLE_TEMPLATE,
    build_tiny_gpt2,
    build_tiny_llama,
    make_tokenizer,
    random_vectors,
)

from emotive_agents.engine import EmotiveEngine
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.vector_set import EmotionVectorSet

BASELINE = json.loads((Path(__file__).parent / "greedy_baseline.json").read_text())


def _engine(name: str) -> EmotiveEngine:
    tokenizer = make_tokenizer(SIMPLE_TEMPLATE)
    if name == "tiny-llama":
        loaded = LoadedModel.from_hf(build_tiny_llama(seed=1), tokenizer, name=name)
        vectors = random_vectors(LLAMA_LAYERS, scale=0.05)
    else:
        loaded = LoadedModel.from_hf(build_tiny_gpt2(), tokenizer, name=name)
        vectors = random_vectors(GPT2_LAYERS, seed=2, scale=0.03)
    return EmotiveEngine(loaded, EmotionVectorSet.from_vectors(vectors, loaded.fingerprint))


@pytest.mark.parametrize("name", ["tiny-llama", "tiny-gpt2"])
def test_greedy_outputs_equal_the_recorded_baseline(name: str) -> None:
    engine = _engine(name)
    rows = BASELINE[name]
    requests = [engine.request(r["prompt"], r["emotion"], **r["params"]) for r in rows]
    solo = [engine.generate_batch([request])[0] for request in requests]
    together = engine.generate_batch(requests)
    assert [s.text for s in solo] == [r["text"] for r in rows]
    assert [s.finish_reason for s in solo] == [r["finish"] for r in rows]
    assert [s.usage.output_tokens for s in solo] == [r["out_tokens"] for r in rows]
    assert [t.text for t in together] == [r["batch_text"] for r in rows]
    assert engine.executor.snapshot().max_batch == len(rows)  # the batch really decoded together
