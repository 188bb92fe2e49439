"""A scripted stand-in for the affect router, so session/runner/CLI tests need no classifier."""

from __future__ import annotations

import pytest
from _bots_fakes import BOT_EMOTIONS, FakeRouter


@pytest.fixture
def fake_router() -> FakeRouter:
    return FakeRouter()


@pytest.fixture(scope="session")
def bot_engine():
    """The tiny Llama with vectors for every emotion the bots' policies use."""
    from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors

    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.models.loading import LoadedModel
    from emotive_agents.vectors.vector_set import EmotionVectorSet

    loaded = LoadedModel.from_hf(build_tiny_llama(seed=1), make_tokenizer(SIMPLE_TEMPLATE), name="tiny-llama")
    vectors = random_vectors(LLAMA_LAYERS, emotions=BOT_EMOTIONS, scale=0.05)
    return EmotiveEngine(loaded, EmotionVectorSet.from_vectors(vectors, loaded.fingerprint))
