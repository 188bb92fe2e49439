"""The decode benchmark's rows on the tiny engine: every ratio is measured and the agreement is a share."""

from __future__ import annotations

import pytest

import emotive_agents.bench_decode as bench_decode
from emotive_agents.engine import EmotiveEngine

PROMPTS = ("Hi there", "How are you?")


def test_executor_ratios(tiny_engine: EmotiveEngine) -> None:
    report = bench_decode.executor_ratios(tiny_engine, PROMPTS, max_new_tokens=4, repeats=1)
    assert report["executor_vs_hf_generate_b24"] > 0 and report["seeded_vs_greedy_b8"] > 0


def test_half_precision_ratios(tiny_engine: EmotiveEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    class _Engine:
        @staticmethod
        def load(model: str, dtype: str) -> EmotiveEngine:
            return tiny_engine  # the same weights: agreement must be complete

    monkeypatch.setattr(bench_decode, "EmotiveEngine", _Engine)
    report = bench_decode.half_precision_ratios(tiny_engine, PROMPTS, max_new_tokens=4, repeats=1)
    assert report["fp16_greedy_agreement"] == report["bf16_greedy_agreement"] == 1.0
    assert report["fp16_vs_fp32_b1"] > 0 and report["bf16_vs_fp32_b1"] > 0
    assert report["fp16_vs_fp32_b8"] > 0 and report["bf16_vs_fp32_b8"] > 0
