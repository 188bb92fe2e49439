"""Extraction mechanics on the tiny models: response-token pooling, padding masks, end-to-end run."""

from __future__ import annotations

import pytest
import torch
from _tiny import SIMPLE_TEMPLATE, build_tiny_llama, encode, make_tokenizer

from emotive_agents.errors import VectorSetError
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.extract import ActivationPooler, ExtractionConfig, extract_vectors
from emotive_agents.vectors.queries import EmotionPrompts, Query
from emotive_agents.vectors.recipe import HookPoint


@pytest.fixture(scope="module")
def chat_llama() -> LoadedModel:
    return LoadedModel.from_hf(build_tiny_llama(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny-chat")


def _manual_pool(
    loaded: LoadedModel, prompt: list[int], response: list[int], hook: HookPoint
) -> torch.Tensor:
    ids = torch.tensor([prompt + response])
    with torch.no_grad():
        states = loaded.model(input_ids=ids, output_hidden_states=True).hidden_states
    rows = []
    for layer in range(loaded.num_layers):
        out = states[layer + 1]
        if layer == loaded.num_layers - 1:  # the last entry is after the final norm; rebuild the raw output
            captured: list[torch.Tensor] = []
            handle = loaded.layout.layer(loaded.model, layer).register_forward_hook(
                lambda m, a, o, sink=captured: sink.append(o[0] if isinstance(o, tuple) else o)
            )
            with torch.no_grad():
                loaded.model(input_ids=ids)
            handle.remove()
            out = captured[0]
        value = out - states[layer] if hook is HookPoint.BLOCK_CONTRIBUTION else out
        rows.append(value[0, len(prompt) :].mean(0))
    return torch.stack(rows)


@pytest.mark.parametrize("hook", [HookPoint.BLOCK_CONTRIBUTION, HookPoint.RESIDUAL])
def test_pooling_is_the_mean_over_response_tokens(chat_llama: LoadedModel, hook: HookPoint) -> None:
    tokenizer = chat_llama.tokenizer
    prompt, response = encode(tokenizer, "question?"), encode(tokenizer, "answer")
    pooler = ActivationPooler(chat_llama, hook, range(chat_llama.num_layers))
    pooled = pooler.pool([(prompt, response)])[0]
    assert torch.allclose(pooled, _manual_pool(chat_llama, prompt, response, hook), atol=1e-5)


def test_padding_is_masked(chat_llama: LoadedModel) -> None:
    tokenizer = chat_llama.tokenizer
    short = (encode(tokenizer, "hi"), encode(tokenizer, "yo"))
    long = (encode(tokenizer, "a much longer prompt here"), encode(tokenizer, "and a long response"))
    pooler = ActivationPooler(chat_llama, HookPoint.BLOCK_CONTRIBUTION, range(chat_llama.num_layers))
    alone = pooler.pool([short])[0]
    padded = pooler.pool([long, short])[1]
    assert torch.allclose(alone, padded, atol=1e-5)


def test_attention_hook_point_pools_attention_output(chat_llama: LoadedModel) -> None:
    tokenizer = chat_llama.tokenizer
    prompt, response = encode(tokenizer, "q"), encode(tokenizer, "resp")
    captured: list[torch.Tensor] = []
    attention = chat_llama.layout.attention(chat_llama.model, 1)
    handle = attention.register_forward_hook(lambda m, a, o: captured.append(o[0]))
    pooled = ActivationPooler(chat_llama, HookPoint.ATTN_OUTPUT, [1]).pool([(prompt, response)])
    handle.remove()
    expected = captured[0][0, len(prompt) :].mean(0)
    assert torch.allclose(pooled[0, 0], expected, atol=1e-6)


def test_extract_end_to_end(chat_llama: LoadedModel) -> None:
    queries = [Query(text=t) for t in ("how are you?", "what is rain?", "tell me a joke", "help me")]
    prompts = EmotionPrompts(neutral="be plain", emotions={"joy": "be joyful!!", "anger": "be ANGRY"})
    config = ExtractionConfig(emotions=("joy", "anger"), max_new_tokens=4, batch_size=3, limit=3)
    vector_set = extract_vectors(chat_llama, queries, prompts, config)
    assert vector_set.emotions == ("joy", "anger", "base")
    assert vector_set.vectors.shape == (3, chat_llama.num_layers, chat_llama.hidden_size)
    assert torch.allclose(
        vector_set["base"].tensor, (vector_set["joy"].tensor + vector_set["anger"].tensor) / 2
    )
    assert vector_set.metadata.created["queries"] == 3
    assert vector_set.metadata.created["responses"] == {"neutral": 3, "joy": 3, "anger": 3}
    assert vector_set.metadata.dataset_hash
    assert vector_set["joy"].tensor.abs().sum() > 0
    specific = extract_vectors(
        chat_llama, queries, prompts, config.model_copy(update={"component": "specific"})
    )
    base = specific["base"].tensor
    for emotion in ("joy", "anger"):
        vector = specific[emotion].tensor
        assert torch.allclose((vector * base).sum(-1), torch.zeros(chat_llama.num_layers), atol=1e-4)
        assert torch.allclose(vector.norm(dim=-1), vector_set[emotion].tensor.norm(dim=-1), rtol=1e-4)


def test_extraction_recovers_a_planted_direction() -> None:
    """A model whose answer is known: attention is switched off (so prompts cannot reach the response
    tokens) and the last layer adds `d` to every position of rows whose prompt holds a trigger token that
    only the joy prompt contains. The joy EV must be `d` at that layer and zero elsewhere; anger (a
    different prompt without the trigger) must be zero everywhere."""
    tokenizer = make_tokenizer(SIMPLE_TEMPLATE)
    model = build_tiny_llama(seed=3)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
    loaded = LoadedModel.from_hf(model, tokenizer, name="planted")
    trigger = encode(tokenizer, "!")[0]
    planted = torch.randn(loaded.hidden_size, generator=torch.Generator().manual_seed(7)) * 1e-3
    last = loaded.num_layers - 1
    flags: list[torch.Tensor] = []

    def remember_trigger(module, args, kwargs):
        ids = kwargs.get("input_ids")
        if ids is not None and ids.shape[1] > 1:  # prefill or a full pass; decode steps keep the flags
            flags[:] = [(ids == trigger).any(dim=1).float().view(-1, 1, 1)]

    def plant(module, args, output):
        hidden = output[0] if isinstance(output, tuple) else output
        hidden = hidden + flags[0] * planted
        return (hidden, *output[1:]) if isinstance(output, tuple) else hidden

    handles = [
        loaded.layout.base(model).register_forward_pre_hook(remember_trigger, with_kwargs=True),
        loaded.layout.layer(model, last).register_forward_hook(plant),
    ]
    try:
        queries = [Query(text=t) for t in ("how are you?", "what is rain?", "tell me a joke", "help me")]
        prompts = EmotionPrompts(neutral="be plain", emotions={"joy": "be joyful!!", "anger": "be ANGRY"})
        config = ExtractionConfig(emotions=("joy", "anger"), max_new_tokens=5, batch_size=3)
        vector_set = extract_vectors(loaded, queries, prompts, config)
    finally:
        for handle in handles:
            handle.remove()
    joy, anger = vector_set["joy"].tensor, vector_set["anger"].tensor
    assert torch.allclose(joy[last], planted, atol=1e-6)
    assert torch.cosine_similarity(joy[last], planted, dim=0) > 0.9999
    assert joy[:last].abs().max() < 1e-6
    assert anger.abs().max() < 1e-6


def test_user_placement_extracts_from_user_turn_instructions(chat_llama: LoadedModel) -> None:
    queries = [Query(text=t) for t in ("how are you?", "what is rain?")]
    prompts = EmotionPrompts(
        neutral="be plain",
        emotions={"joy": "be joyful!!"},
        user_neutral="plain",
        user_emotions={"joy": "joy!!"},
    )
    config = ExtractionConfig(emotions=("joy",), max_new_tokens=3, placement="user")
    user = extract_vectors(chat_llama, queries, prompts, config)
    system = extract_vectors(chat_llama, queries, prompts, config.model_copy(update={"placement": "system"}))
    assert user["joy"].tensor.abs().sum() > 0
    assert not torch.allclose(user["joy"].tensor, system["joy"].tensor)
    assert user.metadata.created["placement"] == "user"
    missing = EmotionPrompts(neutral="be plain", emotions={"joy": "be joyful!!"})
    with pytest.raises(VectorSetError, match="user-turn instruction"):
        extract_vectors(chat_llama, queries, missing, config)
