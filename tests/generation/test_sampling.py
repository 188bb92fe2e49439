"""Per-row sampling: seeded rows draw alike whoever their batch-mates are, and batch together."""

from __future__ import annotations

import torch

from emotive_agents.generation.generator import Generator
from emotive_agents.generation.sampling import RowSampler, sample_rows
from emotive_agents.generation.types import GenerationRequest, SamplingParams


def test_greedy_and_top_k_one_are_argmax() -> None:
    logits = torch.tensor([0.1, 2.0, -1.0, 1.5])
    assert RowSampler(SamplingParams(), {3}).sample(logits, []) == 1
    assert RowSampler(SamplingParams(temperature=1.0, top_k=1, seed=3), {3}).sample(logits, []) == 1


def test_ignore_eos_bans_eos() -> None:
    logits = torch.tensor([0.0, 0.0, 0.0, 9.0])
    assert RowSampler(SamplingParams(), {3}).sample(logits, []) == 3
    sampler = RowSampler(SamplingParams(ignore_eos=True), {3})
    assert not sampler.greedy_plain and sampler.sample(logits, []) != 3


def test_seeded_rows_draw_the_same_alone_and_batched() -> None:
    logits = torch.randn(3, 50, generator=torch.Generator().manual_seed(0))
    logits[2] = logits[0]
    params = [SamplingParams(temperature=1.0, seed=s) for s in (1, 2, 1)]
    draws = [[sample_rows(logits, [RowSampler(p, ()) for p in params], [[], [], []])] for _ in range(2)]
    assert draws[0] == draws[1]
    first = draws[0][0]
    assert first[0] == first[2]  # same seed, same logits, same draw, whatever sits between them
    alone = RowSampler(params[1], ()).sample(logits[1], [])
    assert alone == first[1]


def test_seeded_requests_batch_together_and_equal_their_solo_runs(tiny_llama, llama_vectors) -> None:
    requests = [
        GenerationRequest.build(prompt, mix, max_new_tokens=10, temperature=1.2, top_p=0.9, seed=seed)
        for prompt, mix, seed in [
            ("Hi", {}, 1),
            ("Hello", {"joy": 1.0}, 2),
            ("Hi", {}, 1),
            ("Hey", {"anger": 0.5}, 3),
        ]
    ]
    solo = [Generator(tiny_llama, llama_vectors).generate([r])[0] for r in requests]
    generator = Generator(tiny_llama, llama_vectors)
    together = generator.generate(requests)
    stats = generator.executor.snapshot()
    assert stats.max_batch == 4 and stats.prefills == 4  # one decode batch for the four seeded rows
    assert stats.decode_steps < sum(r.usage.output_tokens for r in together)
    assert together == solo
    assert together[0].text == together[2].text  # same seed and prompt: same text
    greedy = Generator(tiny_llama, llama_vectors).generate(
        [GenerationRequest.build("Hi", max_new_tokens=10)]
    )[0]
    assert together[0].text != greedy.text
