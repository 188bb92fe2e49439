"""Reading a checkpoint from disk gives the fingerprint that loading it gives (llama, GPT-2; fp32, bf16)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from _tiny import (
    GPT2_LAYERS,
    HIDDEN,
    LLAMA_LAYERS,
    SIMPLE_TEMPLATE,
    build_tiny_gpt2,
    build_tiny_llama,
    make_tokenizer,
)

from emotive_agents.models.checkpoint import read_checkpoint
from emotive_agents.models.loading import load_model


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize(
    ("build", "layers"), [(build_tiny_llama, LLAMA_LAYERS), (build_tiny_gpt2, GPT2_LAYERS)]
)
def test_file_fingerprint_equals_the_loaded_one(
    build, layers: int, dtype: torch.dtype, tmp_path: Path
) -> None:
    model = build().to(dtype)
    model.save_pretrained(tmp_path)
    make_tokenizer(SIMPLE_TEMPLATE).save_pretrained(tmp_path)
    info = read_checkpoint(tmp_path)
    loaded = load_model(str(tmp_path))
    assert info.fingerprint(str(tmp_path)) == loaded.fingerprint
    assert (info.num_layers, info.hidden_size) == (layers, HIDDEN)
    assert info.dtype == str(dtype).removeprefix("torch.")
    assert info.parameters == sum(t.numel() for t in model.state_dict().values()) - (
        model.lm_head.weight.numel() if model.config.tie_word_embeddings else 0
    )
    assert info.size_bytes >= (tmp_path / "model.safetensors").stat().st_size


def test_other_weights_give_another_hash(tmp_path: Path) -> None:
    build_tiny_llama(seed=0).save_pretrained(tmp_path / "a")
    build_tiny_llama(seed=1).save_pretrained(tmp_path / "b")
    assert read_checkpoint(tmp_path / "a").weights_hash != read_checkpoint(tmp_path / "b").weights_hash


def test_a_directory_without_weights_has_no_hash(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 8}')
    info = read_checkpoint(tmp_path)
    assert (info.model_type, info.num_layers, info.hidden_size) == ("llama", 2, 8)
    assert info.weights_hash is None and info.fingerprint("x") is None
