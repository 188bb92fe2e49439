"""Layer discovery on tiny random models of every registered family (built locally, no hub)."""

from __future__ import annotations

import pytest
import torch
import transformers

from emotive_agents.models.layers import find_layers

COMMON = {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2}
FAMILIES = {
    "llama": ("LlamaConfig", "LlamaForCausalLM", {"num_key_value_heads": 1}),
    "mistral": ("MistralConfig", "MistralForCausalLM", {"num_key_value_heads": 1}),
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", {"num_key_value_heads": 1}),
    "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "gemma": ("GemmaConfig", "GemmaForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "gemma3_text": ("Gemma3TextConfig", "Gemma3ForCausalLM", {"num_key_value_heads": 1, "head_dim": 8}),
    "phi3": ("Phi3Config", "Phi3ForCausalLM", {"num_key_value_heads": 1, "pad_token_id": 0}),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("num_layers", [2, 3])
def test_registry_finds_every_layer_and_attention(family: str, num_layers: int) -> None:
    config_name, model_name, extra = FAMILIES[family]
    config = getattr(transformers, config_name)(num_hidden_layers=num_layers, **COMMON, **extra)
    torch.manual_seed(0)
    model = getattr(transformers, model_name)(config)
    layout = find_layers(model)
    assert layout.num_layers == num_layers
    assert layout.layer_template == "model.layers.{num}"
    for index in range(num_layers):
        assert layout.layer(model, index) is model.model.layers[index]
        assert layout.attention(model, index) is model.model.layers[index].self_attn
    assert layout.base(model) is model.model


def test_gpt2_family_uses_transformer_h() -> None:
    config = transformers.GPT2Config(n_layer=3, n_embd=16, n_head=2, vocab_size=64, n_positions=32)
    model = transformers.GPT2LMHeadModel(config)
    layout = find_layers(model)
    assert (layout.layer_template, layout.attention_name, layout.num_layers) == (
        "transformer.h.{num}",
        "attn",
        3,
    )
    assert layout.attention(model, 2) is model.transformer.h[2].attn
