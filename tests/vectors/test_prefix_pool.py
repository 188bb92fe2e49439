"""The shared-prompt pooler gives the full-forward pooler's means, each distinct prompt run once."""

from __future__ import annotations

import pytest
import torch
from _tiny import SIMPLE_TEMPLATE, build_tiny_gpt2, build_tiny_llama, encode, make_tokenizer

from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.corpus import Reply, ReplyCorpus
from emotive_agents.vectors.extract import ActivationPooler
from emotive_agents.vectors.prefix_pool import SharedPromptPooler, plan
from emotive_agents.vectors.recipe import HookPoint
from emotive_agents.vectors.teacher_forced import TeacherForcedConfig, extract_from_replies


@pytest.fixture(scope="module")
def chat_llama() -> LoadedModel:
    return LoadedModel.from_hf(build_tiny_llama(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny-chat")


def _rows(loaded: LoadedModel) -> list[tuple[list[int], list[int]]]:
    tok = loaded.tokenizer
    first, second = (
        encode(tok, "<|user|>what is rain?\n<|assistant|>"),
        encode(tok, "<|user|>hi\n<|assistant|>"),
    )
    replies = ("Water falling.", "It is wet!!", "ugh, rain", "Drops of water from clouds, mostly.")
    return [(first, encode(tok, r)) for r in replies] + [
        (second, encode(tok, "hello")),
        (second, encode(tok, "hey!")),
    ]


@pytest.mark.parametrize("hook", [HookPoint.BLOCK_CONTRIBUTION, HookPoint.RESIDUAL, HookPoint.ATTN_OUTPUT])
@pytest.mark.parametrize("layers", [None, (1,), (0, 2)])
def test_shared_prompts_pool_like_full_forwards(chat_llama: LoadedModel, hook: HookPoint, layers) -> None:
    layers = range(chat_llama.num_layers) if layers is None else layers
    rows = _rows(chat_llama)
    shared = SharedPromptPooler(chat_llama, hook, layers).pool(rows)
    full = ActivationPooler(chat_llama, hook, layers).pool(rows)
    alone = torch.cat([ActivationPooler(chat_llama, hook, layers).pool([row]) for row in rows])
    assert shared.shape == full.shape == (len(rows), len(list(layers)), chat_llama.hidden_size)
    assert torch.allclose(shared, full, atol=1e-5)
    assert torch.allclose(shared, alone, atol=1e-5)


def test_each_prompt_token_runs_once(chat_llama: LoadedModel) -> None:
    rows = _rows(chat_llama)
    widths: list[int] = []
    handle = chat_llama.model.get_input_embeddings().register_forward_hook(
        lambda m, a, o: widths.append(int(a[0].shape[0]) * int(a[0].shape[1]))
    )
    try:
        SharedPromptPooler(chat_llama, HookPoint.RESIDUAL, [0]).pool(rows)
    finally:
        handle.remove()
    first, second = rows[0][0], rows[-1][0]
    shared = next(n for n in range(len(second)) if first[n] != second[n])  # both start "<|user|>"
    assert shared > 0
    prompt_width = max(len(p) for p, _ in rows)
    reply_width = max(len(r) for _, r in rows)
    # The shared prefix once, each of the 2 prompts' rest once (left-padded), then the replies alone.
    assert widths == [shared, 2 * (prompt_width - shared), len(rows) * reply_width]


def test_batches_group_prompts_and_sort_replies_by_length(chat_llama: LoadedModel) -> None:
    rows = _rows(chat_llama)
    groups = plan(rows, 3)
    assert len(groups) == 1 and len(groups[0].prompts) == 2  # 2 distinct prompts fit one group of 3
    batches = groups[0].batches
    assert [len(b) for b in batches] == [3, 3]
    lengths = [len(rows[row][1]) for batch in batches for row, _ in batch]
    assert lengths == sorted(lengths)
    assert sorted(row for batch in batches for row, _ in batch) == list(range(len(rows)))
    for batch in batches:
        assert all(groups[0].prompts[k] == tuple(rows[row][0]) for row, k in batch)
    pooler = SharedPromptPooler(chat_llama, HookPoint.BLOCK_CONTRIBUTION, range(chat_llama.num_layers))
    full = ActivationPooler(chat_llama, HookPoint.BLOCK_CONTRIBUTION, range(chat_llama.num_layers)).pool(rows)
    seen = []
    for batch_size in (1, 2, 4):
        for indices, pooled in pooler.pool_batches(rows, batch_size):
            assert torch.allclose(pooled, full[indices], atol=1e-5)
            seen.extend(indices)
    assert sorted(seen) == sorted(list(range(len(rows))) * 3)


def test_prompts_that_are_prefixes_of_others(chat_llama: LoadedModel) -> None:
    """A prompt that is the shared prefix itself has no rest: its row is all padding in that pass."""
    tok = chat_llama.tokenizer
    short = encode(tok, "<|user|>hi")
    rows = [(short, encode(tok, "hello")), (short + encode(tok, " there"), encode(tok, "hey!"))]
    layers = range(chat_llama.num_layers)
    shared = SharedPromptPooler(chat_llama, HookPoint.BLOCK_CONTRIBUTION, layers).pool(rows)
    alone = torch.cat(
        [ActivationPooler(chat_llama, HookPoint.BLOCK_CONTRIBUTION, layers).pool([r]) for r in rows]
    )
    assert torch.allclose(shared, alone, atol=1e-5)


def test_absolute_positions_do_not_depend_on_padding() -> None:
    """GPT-2 adds position embeddings: each row's tokens sit at 0, 1, … however its batch is padded."""
    loaded = LoadedModel.from_hf(build_tiny_gpt2(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny-gpt2")
    rows = _rows(loaded)
    pooler = SharedPromptPooler(loaded, HookPoint.RESIDUAL, range(loaded.num_layers))
    together = pooler.pool(rows)
    alone = torch.cat([pooler.pool([row]) for row in rows])
    unpadded = torch.cat(
        [ActivationPooler(loaded, HookPoint.RESIDUAL, range(loaded.num_layers)).pool([r]) for r in rows]
    )
    assert torch.allclose(together, alone, atol=1e-5)
    assert torch.allclose(alone, unpadded, atol=1e-5)


def test_teacher_forced_extraction_is_unchanged_by_sharing(chat_llama: LoadedModel) -> None:
    queries = ("how are you?", "what is rain?", "tell me a joke")
    emotions = ("neutral", "joy", "anger", "fear")
    corpus = ReplyCorpus(
        rows=tuple(
            Reply(query=q, emotion=e, response=f"{e} says: {q[::-1]}") for q in queries for e in emotions
        )
    )
    progress: list[tuple[int, int]] = []
    for batch_size in (1, 4, 16):
        config = TeacherForcedConfig(batch_size=batch_size)
        shared = extract_from_replies(
            chat_llama, corpus, config, on_progress=lambda d, t: progress.append((d, t))
        )
        plain = extract_from_replies(chat_llama, corpus, config.model_copy(update={"shared_prompt": False}))
        assert shared.emotions == plain.emotions
        assert torch.allclose(shared.vectors, plain.vectors, atol=1e-5)
        done, total = progress[-1]
        assert done == total >= (len(corpus.rows) + batch_size - 1) // batch_size  # reply batches
        progress.clear()


FAMILIES = {  # a few of tests/models/test_families.py's registered families (sliding-window ones too)
    "mistral": ("MistralConfig", "MistralForCausalLM", {"num_key_value_heads": 1}),
    "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "gemma3_text": ("Gemma3TextConfig", "Gemma3ForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "phi3": ("Phi3Config", "Phi3ForCausalLM", {"num_key_value_heads": 1, "pad_token_id": 0}),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_other_families_pool_alike(family: str) -> None:
    import transformers

    config_name, model_name, extra = FAMILIES[family]
    config = getattr(transformers, config_name)(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_attention_heads=2,
        num_hidden_layers=3,
        **extra,
    )
    torch.manual_seed(0)
    model = getattr(transformers, model_name)(config).eval()
    loaded = LoadedModel.from_hf(model, make_tokenizer(), name=family)
    first, second = [5, 9, 11, 3, 7], [8, 2]
    rows = [(first, [12, 13, 14]), (first, [20]), (second, [30, 31, 32, 33]), (first, [40, 41])]
    layers = range(loaded.num_layers)
    shared = SharedPromptPooler(loaded, HookPoint.BLOCK_CONTRIBUTION, layers).pool(rows)
    alone = torch.cat(
        [ActivationPooler(loaded, HookPoint.BLOCK_CONTRIBUTION, layers).pool([r]) for r in rows]
    )
    assert torch.allclose(shared, alone, atol=1e-5)
