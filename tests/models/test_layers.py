"""Decoder-layer discovery: registry templates, structural fallback, explicit override, refusal."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from _tiny import GPT2_LAYERS, LLAMA_LAYERS
from torch import nn

from emotive_agents.errors import UnsupportedArchitectureError
from emotive_agents.models.layers import LAYER_TEMPLATES, LayerLayout, find_layers


class _Block(nn.Module):
    def __init__(self, attention_name: str = "self_attn") -> None:
        super().__init__()
        setattr(self, attention_name, nn.Linear(4, 4))
        self.mlp = nn.Linear(4, 4)


class _Weird(nn.Module):
    """An unregistered model type whose layers follow the usual HF layout under an unusual path."""

    def __init__(self, num_layers: int = 2, decoy: int = 0, config: bool = True) -> None:
        super().__init__()
        if config:
            self.config = SimpleNamespace(model_type="weird", num_hidden_layers=num_layers, hidden_size=4)
        self.embed = nn.Embedding(10, 4)
        self.decoder = nn.Module()
        self.decoder.blocks = nn.ModuleList(_Block() for _ in range(num_layers))
        if decoy:  # another ModuleList of attention blocks whose length does not match the config
            self.extra = nn.ModuleList(_Block("attn") for _ in range(decoy))


def test_tiny_llama_uses_registered_template(tiny_llama) -> None:
    model = tiny_llama.model
    layout = find_layers(model)
    assert layout.layer_template == "model.layers.{num}"
    assert layout.attention_name == "self_attn"
    assert layout.num_layers == model.config.num_hidden_layers == LLAMA_LAYERS
    assert layout.base_path == "model"
    assert layout.attention_path(2) == "model.layers.2.self_attn"
    for index in range(LLAMA_LAYERS):
        assert layout.layer(model, index) is model.model.layers[index]
        assert layout.attention(model, index) is model.model.layers[index].self_attn
    assert layout.base(model) is model.model
    assert tiny_llama.layout == layout
    assert tiny_llama.num_layers == LLAMA_LAYERS


def test_tiny_gpt2_uses_registered_template(tiny_gpt2) -> None:
    model = tiny_gpt2.model
    layout = find_layers(model)
    assert (layout.layer_template, layout.attention_name) == ("transformer.h.{num}", "attn")
    assert layout.num_layers == model.config.n_layer == GPT2_LAYERS
    assert layout.base(model) is model.transformer
    assert layout.attention(model, 1) is model.transformer.h[1].attn


def test_structural_fallback_for_unregistered_model_type() -> None:
    model = _Weird(num_layers=2, decoy=3)
    assert "weird" not in LAYER_TEMPLATES
    layout = find_layers(model)
    assert layout == LayerLayout("decoder.blocks.{num}", "self_attn", 2, "decoder")
    assert layout.layer(model, 1) is model.decoder.blocks[1]
    assert layout.attention(model, 0) is model.decoder.blocks[0].self_attn
    assert layout.base(model) is model.decoder


def test_structural_fallback_without_config_picks_the_longest_list() -> None:
    model = _Weird(num_layers=2, decoy=3, config=False)
    layout = find_layers(model)
    assert (layout.layer_template, layout.attention_name, layout.num_layers) == ("extra.{num}", "attn", 3)
    assert layout.base_path == ""
    assert layout.base(model) is model


def test_registered_type_with_other_layout_falls_back_to_structure() -> None:
    model = _Weird(num_layers=2)
    model.config.model_type = "llama"  # registry template model.layers.{num} does not exist here
    assert find_layers(model).layer_template == "decoder.blocks.{num}"


def test_model_without_layers_is_refused() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
    model.config = SimpleNamespace(model_type="mlp", num_hidden_layers=2)
    with pytest.raises(UnsupportedArchitectureError, match="layer_template"):
        find_layers(model)


def test_layers_without_attention_are_refused() -> None:
    model = nn.Module()
    model.config = SimpleNamespace(model_type="weird", num_hidden_layers=2)
    model.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(2))
    with pytest.raises(UnsupportedArchitectureError, match="'weird'"):
        find_layers(model)


def test_explicit_template_overrides_registry(tiny_llama) -> None:
    model = tiny_llama.model
    layout = find_layers(model, layer_template="model.layers.{num}", attention_name="mlp")
    assert layout.attention_name == "mlp"
    assert layout.attention(model, 0) is model.model.layers[0].mlp
    weird = _Weird(num_layers=2, decoy=3)
    explicit = find_layers(weird, layer_template="extra.{num}", attention_name="attn")
    assert (explicit.num_layers, explicit.base_path) == (3, "")


@pytest.mark.parametrize(
    ("template", "attention"),
    [("model.nothing.{num}", "self_attn"), ("model.layers.{num}", "cross_attn"), ("lm_head.{num}", "x")],
)
def test_explicit_template_that_does_not_match_is_refused(tiny_llama, template: str, attention: str) -> None:
    with pytest.raises(UnsupportedArchitectureError, match="does not match"):
        find_layers(tiny_llama.model, layer_template=template, attention_name=attention)
