"""Shared fixtures: tiny Llama / GPT-2 models built in-process, a character-level tokenizer, vector sets.

Nothing here touches the network or the Hugging Face hub; every model has a few thousand parameters.
Builders and small helpers live in `_tiny.py` (importable from every test module).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

# The tiny models gain nothing from intra-op threads, and OpenMP threads that spin-wait for a core
# busy with another process turn each 10 µs op into a 15 ms one. Set before torch is first imported so
# that it also holds in worker threads (streaming, thread-isolation tests); export OMP_NUM_THREADS to
# override it.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if str(Path(__file__).parent) not in sys.path:  # so that `import _tiny` works in any import mode
    sys.path.insert(0, str(Path(__file__).parent))

import pytest
import torch
from _tiny import (
    GPT2_LAYERS,
    LLAMA_LAYERS,
    SIMPLE_TEMPLATE,
    SlowForward,
    build_tiny_gpt2,
    build_tiny_llama,
    hook_counts,
    make_tokenizer,
    random_vectors,
)
from torch import nn

from emotive_agents.engine import EmotiveEngine
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.vector_set import EmotionVectorSet


@pytest.fixture(scope="session")
def tokenizer():
    return make_tokenizer()


@pytest.fixture(scope="session")
def tiny_llama(tokenizer) -> LoadedModel:
    return LoadedModel.from_hf(build_tiny_llama(), tokenizer, name="tiny-llama")


@pytest.fixture(scope="session")
def tiny_gpt2(tokenizer) -> LoadedModel:
    return LoadedModel.from_hf(build_tiny_gpt2(), tokenizer, name="tiny-gpt2")


@pytest.fixture(scope="session")
def llama_vectors(tiny_llama: LoadedModel) -> EmotionVectorSet:
    return EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS), tiny_llama.fingerprint)


@pytest.fixture(scope="session")
def gpt2_vectors(tiny_gpt2: LoadedModel) -> EmotionVectorSet:
    return EmotionVectorSet.from_vectors(
        random_vectors(GPT2_LAYERS, seed=2, scale=0.03), tiny_gpt2.fingerprint
    )


@pytest.fixture(params=["llama", "gpt2"])
def tiny(request, tiny_llama, tiny_gpt2, llama_vectors, gpt2_vectors) -> tuple[LoadedModel, EmotionVectorSet]:
    """Each tiny architecture with its vector set."""
    if request.param == "llama":
        return tiny_llama, llama_vectors
    return tiny_gpt2, gpt2_vectors


@pytest.fixture
def assert_model_untouched() -> Iterator[Callable[[LoadedModel], None]]:
    """Snapshot weights and hooks of models, check them again when the test ends.

    The tiny models never run with output_hidden_states, so transformers never installs its own
    output-capturing hooks on them: every hook seen here would be a leak from the steering code.
    """
    snapshots: list[tuple[nn.Module, dict[str, torch.Tensor]]] = []

    def track(loaded: LoadedModel) -> None:
        assert hook_counts(loaded.model) == {}, "precondition: the shared model starts with no hooks"
        state = {k: v.detach().clone() for k, v in loaded.model.state_dict().items()}
        snapshots.append((loaded.model, state))

    yield track
    for model, state in snapshots:
        assert hook_counts(model) == {}
        after = model.state_dict()
        assert after.keys() == state.keys()
        for key, tensor in state.items():
            assert torch.equal(after[key], tensor), key


# -- a tiny steerable engine with a chat template (integration tests) --


@pytest.fixture(scope="session")
def tiny_engine() -> EmotiveEngine:
    """A 3-layer Llama with a character tokenizer; its random vectors visibly change greedy outputs.

    Seed 1 answers differ by prompt and contain spaces, where the engine's streamer flushes text.
    """
    tokenizer = make_tokenizer(SIMPLE_TEMPLATE)
    loaded = LoadedModel.from_hf(build_tiny_llama(seed=1), tokenizer, name="tiny-llama")
    vectors = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS, scale=0.05), loaded.fingerprint)
    return EmotiveEngine(loaded, vectors)


@pytest.fixture
def slow(tiny_engine: EmotiveEngine) -> Iterator[SlowForward]:
    """The tiny engine at ~5 ms per forward pass, with a count of passes (removed after the test)."""
    with SlowForward(tiny_engine, delay=0.005) as counter:
        yield counter
