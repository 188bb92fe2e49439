"""Wrapping and loading models: fingerprints, the weights hash, local directories, load errors."""

from __future__ import annotations

import copy
import re
from types import SimpleNamespace
from typing import ClassVar

import pytest
import torch
from _tiny import HIDDEN, LLAMA_LAYERS, build_tiny_gpt2, build_tiny_llama, encode
from torch import nn

from emotive_agents.errors import ModelLoadError
from emotive_agents.models.layers import find_layers
from emotive_agents.models.loading import (
    LoadedModel,
    auto_dtype,
    default_cache_dir,
    fingerprint_model,
    load_model,
    resolve_model_path,
    weights_hash,
)


def test_from_hf_fingerprint(tiny_llama) -> None:
    fingerprint = tiny_llama.fingerprint
    assert fingerprint.name == tiny_llama.name == "tiny-llama"
    assert fingerprint.architecture == "LlamaForCausalLM"
    assert fingerprint.model_type == "llama"
    assert (fingerprint.hidden_size, fingerprint.num_layers) == (HIDDEN, LLAMA_LAYERS)
    assert re.fullmatch(r"[0-9a-f]{32}", fingerprint.weights_hash)
    assert fingerprint.weights_hash == weights_hash(tiny_llama.model)
    assert tiny_llama.hidden_size == HIDDEN
    assert tiny_llama.device == torch.device("cpu")


def test_from_hf_gpt2_reads_n_embd(tiny_gpt2) -> None:
    assert tiny_gpt2.fingerprint.model_type == "gpt2"
    assert tiny_gpt2.hidden_size == HIDDEN
    assert tiny_gpt2.num_layers == tiny_gpt2.model.config.n_layer


def test_from_hf_default_name_and_no_modification(tokenizer) -> None:
    model = build_tiny_gpt2()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    loaded = LoadedModel.from_hf(model, tokenizer)
    assert loaded.name == "GPT2LMHeadModel"  # no _name_or_path on a model built from a config
    assert loaded.model is model
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_fingerprint_is_frozen(tiny_llama) -> None:
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        tiny_llama.fingerprint.hidden_size = 64  # type: ignore[misc]


def test_weights_hash_is_deterministic_and_detects_changes(tiny_llama) -> None:
    same = build_tiny_llama()  # same seed, same weights
    assert weights_hash(same) == tiny_llama.fingerprint.weights_hash
    other_seed = build_tiny_llama(seed=1)
    assert weights_hash(other_seed) != tiny_llama.fingerprint.weights_hash
    with torch.no_grad():
        same.model.norm.weight[0] += 0.5
    assert weights_hash(same) != tiny_llama.fingerprint.weights_hash


def test_weights_hash_agrees_between_float32_and_float16(tiny_llama) -> None:
    half = copy.deepcopy(tiny_llama.model).to(torch.float16)
    assert weights_hash(half) == tiny_llama.fingerprint.weights_hash
    bigger = build_tiny_llama()
    bigger.resize_token_embeddings(bigger.config.vocab_size + 8)
    assert weights_hash(bigger) != tiny_llama.fingerprint.weights_hash  # shapes are hashed


def test_fingerprint_without_hidden_size_is_a_load_error() -> None:
    model = nn.Module()
    model.config = SimpleNamespace(model_type="weird", num_hidden_layers=1)
    block = nn.Module()
    block.self_attn = nn.Linear(2, 2)
    model.layers = nn.ModuleList([block])
    layout = find_layers(model)
    with pytest.raises(ModelLoadError, match="hidden size"):
        fingerprint_model(model, layout, "weird")


@pytest.fixture(scope="module")
def saved_llama(tmp_path_factory, tiny_llama):
    directory = tmp_path_factory.mktemp("tiny-llama-dir")
    tiny_llama.model.save_pretrained(directory)
    tiny_llama.tokenizer.save_pretrained(directory)
    return directory


def test_load_model_from_local_directory(saved_llama, tiny_llama) -> None:
    loaded = load_model(str(saved_llama))
    assert loaded.name == str(saved_llama)
    assert not loaded.model.training
    assert loaded.layout == tiny_llama.layout
    assert loaded.fingerprint.weights_hash == tiny_llama.fingerprint.weights_hash
    assert loaded.fingerprint.model_copy(update={"name": "tiny-llama"}) == tiny_llama.fingerprint
    assert next(loaded.model.parameters()).dtype == torch.float32
    text = "Hello, world"
    assert encode(loaded.tokenizer, text) == encode(tiny_llama.tokenizer, text)


def test_load_model_in_half_precision_keeps_the_hash(saved_llama, tiny_llama) -> None:
    loaded = load_model(str(saved_llama), dtype="float16")
    assert next(loaded.model.parameters()).dtype == torch.float16
    assert loaded.fingerprint.weights_hash == tiny_llama.fingerprint.weights_hash


def test_load_model_in_bfloat16_keeps_the_hash(saved_llama, tiny_llama) -> None:
    # bf16 drops the fp16 precision the hash samples at: the hash then comes from the checkpoint on disk.
    loaded = load_model(str(saved_llama), dtype="bfloat16")
    assert next(loaded.model.parameters()).dtype == torch.bfloat16
    assert weights_hash(loaded.model) != tiny_llama.fingerprint.weights_hash
    assert loaded.fingerprint.weights_hash == tiny_llama.fingerprint.weights_hash


def test_load_model_unknown_dtype(saved_llama) -> None:
    with pytest.raises(ModelLoadError, match="Unknown dtype"):
        load_model(str(saved_llama), dtype="float8")


def test_load_model_missing_directory(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="Could not load model"):
        load_model(str(tmp_path / "does-not-exist"))


def test_resolve_model_path_passes_other_names_through(tmp_path) -> None:
    assert resolve_model_path("some/hub-model", cache_dir=tmp_path) == "some/hub-model"
    assert list(tmp_path.iterdir()) == []  # nothing converted or cached


def test_default_cache_dir_override(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("EMOTIVE_AGENTS_CACHE", str(tmp_path / "cache"))
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("EMOTIVE_AGENTS_CACHE")
    assert "emotive-agents" in str(default_cache_dir())


class _RefusingAuto:
    """Stands in for AutoModel/AutoTokenizer: records the options and fails as an uncached id does."""

    calls: ClassVar[list[dict]] = []

    @classmethod
    def from_pretrained(cls, path: str, **kwargs: object) -> None:
        cls.calls.append({"path": path, **kwargs})
        raise OSError("We couldn't connect to 'https://huggingface.co' (5 retries)")


@pytest.mark.parametrize(
    ("offline", "reachable", "fragment"),
    [("1", True, "HF_HUB_OFFLINE is set"), ("", False, "cannot be reached")],
)
def test_an_uncached_hub_id_fails_fast_when_offline(monkeypatch, offline, reachable, fragment) -> None:
    import transformers

    from emotive_agents.models import loading

    _RefusingAuto.calls = []
    monkeypatch.setattr(transformers, "AutoModelForCausalLM", _RefusingAuto)
    monkeypatch.setattr(transformers, "AutoTokenizer", _RefusingAuto)
    monkeypatch.setenv("HF_HUB_OFFLINE", offline)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    probes: list[float] = []
    monkeypatch.setattr(loading, "hub_reachable", lambda timeout=3.0: probes.append(timeout) or reachable)
    with pytest.raises(ModelLoadError, match=fragment):
        load_model("nobody/no-such-model")
    assert _RefusingAuto.calls[0]["local_files_only"] is True  # no hub requests, so no retries
    assert probes == ([] if offline else [loading.HUB_PROBE_TIMEOUT_S])


def test_a_reachable_hub_is_asked_normally(monkeypatch) -> None:
    from emotive_agents.models import loading

    monkeypatch.setenv("HF_HUB_OFFLINE", "")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(loading, "hub_reachable", lambda timeout=3.0: True)
    assert loading.hub_access("nobody/model") == {}
    monkeypatch.setattr(loading, "hub_reachable", lambda timeout=3.0: False)
    assert loading.hub_access("nobody/model") == {"local_files_only": True}


def test_hub_probe_is_one_quick_connect(monkeypatch) -> None:
    import socket

    from emotive_agents.models import loading

    seen: list[tuple] = []

    def refuse(address, timeout=None):
        seen.append((address, timeout))
        raise OSError("no route")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example:8443")
    assert loading.hub_reachable(timeout=0.5) is False
    assert seen == [(("hub.example", 8443), 0.5)]


def test_auto_dtype_is_float32_on_cpu(saved_llama) -> None:
    # Half precision is slower for prefills and batches on CPUs without fp16/bf16 arithmetic.
    assert auto_dtype("cpu") == auto_dtype(torch.device("cpu")) == torch.float32
    loaded = load_model(str(saved_llama), dtype="auto")
    assert next(loaded.model.parameters()).dtype == torch.float32
