"""Find decoder layers and their attention modules by name template, for any supported architecture.

A small registry covers the common families; a structural fallback finds the layer list of unknown
models that follow the usual HF layout. Nothing here counts layers by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from emotive_agents.errors import UnsupportedArchitectureError

# model_type -> (decoder-layer template, attention attribute). Templates use `{num}` like steering-vectors.
_LLAMA_LIKE = ("model.layers.{num}", "self_attn")
LAYER_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "llama": (_LLAMA_LIKE,),
    "mistral": (_LLAMA_LIKE,),
    "mixtral": (_LLAMA_LIKE,),
    "qwen2": (_LLAMA_LIKE,),
    "qwen3": (_LLAMA_LIKE,),
    "gemma": (_LLAMA_LIKE,),
    "gemma2": (_LLAMA_LIKE,),
    "gemma3_text": (_LLAMA_LIKE,),
    "gemma3": (("model.language_model.layers.{num}", "self_attn"), _LLAMA_LIKE),
    "phi3": (_LLAMA_LIKE,),
    "gpt2": (("transformer.h.{num}", "attn"),),
}
_ATTENTION_NAMES = ("self_attn", "attn", "attention", "self_attention")


@dataclass(frozen=True)
class LayerLayout:
    """Where a model keeps its decoder layers; `base_path` is the module that runs them in order."""

    layer_template: str
    attention_name: str
    num_layers: int
    base_path: str

    def layer_path(self, index: int) -> str:
        return self.layer_template.format(num=index)

    def attention_path(self, index: int) -> str:
        return f"{self.layer_path(index)}.{self.attention_name}"

    def layer(self, model: nn.Module, index: int) -> nn.Module:
        return model.get_submodule(self.layer_path(index))

    def attention(self, model: nn.Module, index: int) -> nn.Module:
        return model.get_submodule(self.attention_path(index))

    def base(self, model: nn.Module) -> nn.Module:
        return model.get_submodule(self.base_path)


def _layer_count(model: nn.Module) -> int | None:
    config = getattr(model, "config", None)
    if config is None:
        return None
    text_config = getattr(config, "text_config", None) or config
    for attr in ("num_hidden_layers", "n_layer", "num_layers"):
        value = getattr(text_config, attr, None)
        if isinstance(value, int):
            return value
    return None


def _try_template(model: nn.Module, template: str, attention_name: str) -> LayerLayout | None:
    list_path = template.rsplit(".", 1)[0]
    try:
        layers = model.get_submodule(list_path)
    except AttributeError:
        return None
    if not isinstance(layers, nn.ModuleList) or len(layers) == 0:
        return None
    if not all(hasattr(layer, attention_name) for layer in layers):
        return None
    base_path = list_path.rsplit(".", 1)[0] if "." in list_path else ""
    return LayerLayout(template, attention_name, len(layers), base_path)


def _structural_fallback(model: nn.Module) -> LayerLayout | None:
    expected = _layer_count(model)
    best: LayerLayout | None = None
    for name, module in model.named_modules():
        if not isinstance(module, nn.ModuleList) or len(module) == 0:
            continue
        if expected is not None and len(module) != expected:
            continue
        first = module[0]
        attention_name = next((n for n in _ATTENTION_NAMES if hasattr(first, n)), None)
        if attention_name is None:
            continue
        layout = _try_template(model, f"{name}.{{num}}", attention_name)
        if layout is not None and (best is None or layout.num_layers > best.num_layers):
            best = layout
    return best


def find_layers(
    model: nn.Module, layer_template: str | None = None, attention_name: str = "self_attn"
) -> LayerLayout:
    """Locate decoder layers: an explicit template, the registry, then a structural search; else refuse."""
    if layer_template is not None:
        explicit = _try_template(model, layer_template, attention_name)
        if explicit is None:
            raise UnsupportedArchitectureError(
                f"Layer template {layer_template!r} with attention {attention_name!r} does not match a "
                f"ModuleList of layers in {type(model).__name__}."
            )
        return explicit
    config = getattr(model, "config", None)
    model_type = getattr(config, "model_type", None)
    for template, attention_name in LAYER_TEMPLATES.get(str(model_type), ()):
        layout = _try_template(model, template, attention_name)
        if layout is not None:
            return layout
    layout = _structural_fallback(model)
    if layout is not None:
        return layout
    known = ", ".join(sorted(LAYER_TEMPLATES))
    raise UnsupportedArchitectureError(
        f"Cannot find the decoder layers of model type {model_type!r} ({type(model).__name__}). "
        f"Known families: {known}. Models with a ModuleList of decoder layers that each own an attention "
        f"module ({', '.join(_ATTENTION_NAMES)}) are found automatically; for other layouts pass "
        "layer_template='path.to.layers.{num}' and attention_name=..."
    )
