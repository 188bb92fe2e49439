"""EmotiveEngine built from a tiny model and vector set (the constructor, never .load())."""

from __future__ import annotations

import pytest
import torch
from _tiny import encode, hook_counts

from emotive_agents import EmotiveEngine
from emotive_agents.errors import UnknownEmotionError, VectorSetError
from emotive_agents.generation import batch_steps as batch_steps_module
from emotive_agents.generation.generator import Generator
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet


@pytest.fixture(scope="module")
def engine(tiny_llama, llama_vectors) -> EmotiveEngine:
    return EmotiveEngine(tiny_llama, llama_vectors)


def test_properties(engine, tiny_llama, llama_vectors) -> None:
    assert engine.model_name == "tiny-llama"
    assert engine.emotions == ("joy", "anger", "sadness", "base")
    assert engine.recipe == llama_vectors.recipe
    assert engine.generator.vector_set is llama_vectors
    assert engine.generator.recipe == engine.recipe
    assert EmotiveEngine(tiny_llama).emotions == ()


def test_generate_matches_the_generator(engine, tiny_llama, llama_vectors) -> None:
    result = engine.generate("How are you?", {"joy": 1.5}, max_new_tokens=8)
    request = GenerationRequest.build("How are you?", {"joy": 1.5}, max_new_tokens=8)
    assert result == Generator(tiny_llama, llama_vectors).generate([request])[0]
    assert result.emotion == {"joy": 1.5}
    assert result.usage.output_tokens == 8
    plain = engine.generate("How are you?", max_new_tokens=8)
    assert plain.text != result.text
    assert plain.emotion == {}


def test_generate_batch_per_row_mixes(engine) -> None:
    mixes = ({"joy": 2.0}, None, {"sadness": 1.0, "anger": -0.5})
    prompts = ("Hi", "What is the time?", "Tell me more")
    requests = [engine.request(p, m, max_new_tokens=6) for p, m in zip(prompts, mixes, strict=True)]
    together = engine.generate_batch(requests)
    assert together == [engine.generate(p, m, max_new_tokens=6) for p, m in zip(prompts, mixes, strict=True)]
    assert [r.emotion for r in together] == [{"joy": 2.0}, {}, {"sadness": 1.0, "anger": -0.5}]


def test_stream(engine) -> None:
    expected = engine.generate("Hi", {"anger": 1.0}, max_new_tokens=10)
    stream = engine.stream("Hi", {"anger": 1.0}, max_new_tokens=10)
    assert "".join(stream) == expected.text
    assert stream.result == expected


def test_unknown_emotion_fails_early(engine, tiny_llama, monkeypatch) -> None:
    def must_not_run(**kwargs):
        raise AssertionError("generate should not be reached")

    monkeypatch.setattr(tiny_llama.model, "generate", must_not_run)
    with pytest.raises(UnknownEmotionError, match="'fear'"):
        engine.generate("Hi", {"fear": 1.0})
    with pytest.raises(UnknownEmotionError):
        engine.stream("Hi", {"joy": 0.5, "fear": 1.0})
    good = GenerationRequest.build("Hi", {"joy": 1.0})
    bad = GenerationRequest.build("Hi", {"fear": 1.0})
    with pytest.raises(UnknownEmotionError):
        engine.generate_batch([good, bad])
    # A name is checked whatever its intensity: {"fear": 0} is a typo'd mix, not a neutral one.
    with pytest.raises(UnknownEmotionError, match="'fear'"):
        engine.check_mix(GenerationRequest.build("Hi", {"fear": 0.0}).emotion)
    with pytest.raises(UnknownEmotionError, match="'fear'"):
        engine.generate("Hi", {"joy": 0.0, "fear": 0.0})
    engine.check_mix(GenerationRequest.build("Hi", {"joy": 0.0}).emotion)
    engine.check_mix(GenerationRequest.build("Hi", {}).emotion)


def test_engine_without_vectors(tiny_llama) -> None:
    bare = EmotiveEngine(tiny_llama)
    assert bare.recipe == SteeringRecipe()
    assert bare.generate("Hi", max_new_tokens=3).usage.output_tokens == 3
    with pytest.raises(VectorSetError, match="no vector set"):
        bare.generate("Hi", {"joy": 1.0})
    with pytest.raises(VectorSetError, match="no vector set"):
        bare.steer({"joy": 1.0})


def test_incompatible_vectors_are_refused(tiny_llama, tiny_gpt2, gpt2_vectors, llama_vectors) -> None:
    with pytest.raises(VectorSetError, match="made for model 'tiny-gpt2'"):
        EmotiveEngine(tiny_llama, gpt2_vectors)
    with pytest.raises(VectorSetError, match="made for model 'tiny-gpt2'"):
        EmotiveEngine(tiny_llama, gpt2_vectors, strict=False)  # shapes differ: strict does not matter


def test_other_weights_need_strict_false(tiny_llama, llama_vectors) -> None:
    finetune = llama_vectors.metadata.model.model_copy(update={"weights_hash": "f" * 32})
    other = EmotionVectorSet(
        llama_vectors.vectors, llama_vectors.metadata.model_copy(update={"model": finetune})
    )
    with pytest.raises(VectorSetError, match="strict=False"):
        EmotiveEngine(tiny_llama, other)
    engine = EmotiveEngine(tiny_llama, other, strict=False)
    assert engine.generate("Hi", {"joy": 1.0}, max_new_tokens=4).usage.output_tokens == 4


def test_recipe_override(tiny_llama, llama_vectors, monkeypatch) -> None:
    recipe = SteeringRecipe(hook_point=HookPoint.ATTN_OUTPUT, positions=PositionRule.LAST, layers=(1,))
    engine = EmotiveEngine(tiny_llama, llama_vectors, recipe=recipe)
    assert engine.generator.recipe == recipe
    with engine.steer({"joy": 1.0}) as steering:
        assert steering.layers == (1,)
        assert set(hook_counts(tiny_llama.model)) == {"model.layers.1.self_attn"}
    seen = []
    real_steering = batch_steps_module.Steering

    def spy(model, layout, deltas, recipe, **kwargs):
        if kwargs.get("prompt_length") is not None:  # the prefill: steered with the recipe itself
            seen.append(recipe)
        return real_steering(model, layout, deltas, recipe, **kwargs)

    monkeypatch.setattr(batch_steps_module, "Steering", spy)
    engine.generate("Hi", {"joy": 2.0}, max_new_tokens=2)
    EmotiveEngine(tiny_llama, llama_vectors).generate("Hi", {"joy": 2.0}, max_new_tokens=2)
    assert seen == [recipe, llama_vectors.recipe]


def test_steer_context(engine, tiny_llama, assert_model_untouched) -> None:
    assert_model_untouched(tiny_llama)
    ids = torch.tensor([encode(tiny_llama.tokenizer, "Hello")])
    with torch.no_grad():
        plain = tiny_llama.model(input_ids=ids).logits
        with engine.steer({"joy": 1.0}):
            steered = tiny_llama.model(input_ids=ids).logits
        with engine.steer([{"joy": 1.0}, {}]):
            rows = tiny_llama.model(input_ids=ids.repeat(2, 1)).logits
        with engine.steer({"joy": 1.0}, recipe=SteeringRecipe(positions=PositionRule.LAST)):
            last_only = tiny_llama.model(input_ids=ids).logits
    assert not torch.allclose(steered, plain, atol=1e-3)
    torch.testing.assert_close(rows[0], steered[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(rows[1], plain[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(last_only[:, :-1], plain[:, :-1], atol=0, rtol=0)
    assert not torch.allclose(last_only[:, -1], plain[:, -1], atol=1e-3)
