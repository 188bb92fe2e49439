"""Scoped steering hooks: exact arithmetic, per-row mixes, position rules, KV cache, cleanup, threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext

import pytest
import torch
from _tiny import EOS_ID, PAD_ID, encode, hook_counts, left_pad
from torch import nn

from emotive_agents.errors import SteeringError, UnknownEmotionError
from emotive_agents.models.loading import LoadedModel
from emotive_agents.steering import hooks
from emotive_agents.steering.hooks import Steering, layer_deltas, steer
from emotive_agents.steering.mix import EmotionMix
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet

ATOL = 1e-5
PROMPT = "Hello there, friend"
PROMPTS = ("Hi!", "How are you today?", "Tell me a story")
MIXES = (
    {"joy": 1.0},
    {"joy": -2.0},
    {"joy": 0.7, "anger": -1.2},
    {"sadness": 0.3, "base": 1.5},
)


def expected_delta(vector_set: EmotionVectorSet, mix: dict[str, float], layer: int) -> torch.Tensor:
    """sum_k alpha_k * EV_k[layer], with alpha = intensity * the set's calibrated scale."""
    total = torch.zeros(vector_set.vectors.shape[-1])
    for name, intensity in mix.items():
        total += intensity * vector_set.metadata.scale(name) * vector_set[name].tensor[layer]
    return total


def hooked_modules(loaded: LoadedModel, hook_point: HookPoint) -> list[nn.Module]:
    if hook_point is HookPoint.ATTN_OUTPUT:
        return [loaded.layout.attention(loaded.model, i) for i in range(loaded.num_layers)]
    return [loaded.layout.layer(loaded.model, i) for i in range(loaded.num_layers)]


@contextmanager
def capture(modules: Sequence[nn.Module]) -> Iterator[dict[int, torch.Tensor]]:
    """Record each module's (first) output; hooks run in registration order, so where this is registered
    relative to the steering hooks decides whether it sees the output before or after steering."""
    outputs: dict[int, torch.Tensor] = {}

    def make(index: int):
        def hook(module, args, output):
            outputs[index] = (output[0] if isinstance(output, tuple) else output).detach().clone()

        return hook

    handles = [module.register_forward_hook(make(i)) for i, module in enumerate(modules)]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


def ids_of(loaded: LoadedModel, text: str = PROMPT) -> torch.Tensor:
    return torch.tensor([encode(loaded.tokenizer, text)])


def logits(loaded: LoadedModel, input_ids: torch.Tensor, **kwargs) -> torch.Tensor:
    with torch.no_grad():
        return loaded.model(input_ids=input_ids, use_cache=False, **kwargs).logits


def with_scale(vector_set: EmotionVectorSet, scales: dict[str, float]) -> EmotionVectorSet:
    metadata = vector_set.metadata.model_copy(update={"intensity_scale": scales})
    return EmotionVectorSet(vector_set.vectors, metadata)


# -- arithmetic -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hook_point", list(HookPoint))
@pytest.mark.parametrize("mix", MIXES, ids=lambda m: "+".join(f"{v:g}{k}" for k, v in m.items()))
def test_hook_adds_sum_of_alpha_times_vector_at_every_layer(tiny, hook_point, mix, assert_model_untouched):
    loaded, vector_set = tiny
    assert_model_untouched(loaded)
    modules = hooked_modules(loaded, hook_point)
    recipe = SteeringRecipe(hook_point=hook_point)
    with (
        torch.no_grad(),
        capture(modules) as raw,  # registered before the steering hooks: sees each module's own output
        steer(loaded, vector_set, mix, recipe=recipe),
        capture(modules) as steered,  # registered after them: sees the steered output
    ):
        loaded.model(input_ids=ids_of(loaded), use_cache=False)
    assert sorted(raw) == sorted(steered) == list(range(loaded.num_layers))
    for layer in range(loaded.num_layers):
        delta = expected_delta(vector_set, mix, layer)
        assert delta.norm() > 0.01
        shift = steered[layer] - raw[layer]
        torch.testing.assert_close(shift, delta.expand_as(shift), atol=ATOL, rtol=0)


@pytest.mark.parametrize("hook_point", [HookPoint.RESIDUAL, HookPoint.BLOCK_CONTRIBUTION])
def test_layer_subset_only_touches_that_layer(tiny, hook_point) -> None:
    loaded, vector_set = tiny
    target = 1 if loaded.num_layers > 2 else 0
    layers = [loaded.layout.layer(loaded.model, i) for i in range(loaded.num_layers)]
    mix = {"joy": 1.5}
    with torch.no_grad(), capture(layers) as plain:
        loaded.model(input_ids=ids_of(loaded), use_cache=False)
    recipe = SteeringRecipe(hook_point=hook_point, layers=(target,))
    with torch.no_grad(), steer(loaded, vector_set, mix, recipe=recipe), capture(layers) as steered:
        loaded.model(input_ids=ids_of(loaded), use_cache=False)
    for layer in range(target):
        assert torch.equal(steered[layer], plain[layer])
    delta = expected_delta(vector_set, mix, target)
    torch.testing.assert_close(steered[target], plain[target] + delta, atol=ATOL, rtol=0)
    for layer in range(target + 1, loaded.num_layers):
        assert not torch.allclose(steered[layer], plain[layer], atol=1e-3)  # later layers see the change


def test_attn_output_shifts_only_the_attention_output(tiny) -> None:
    loaded, vector_set = tiny
    attention = hooked_modules(loaded, HookPoint.ATTN_OUTPUT)
    layers = hooked_modules(loaded, HookPoint.RESIDUAL)
    mix = {"anger": -1.0, "joy": 0.5}
    recipe = SteeringRecipe(hook_point=HookPoint.ATTN_OUTPUT, layers=(0,))
    with torch.no_grad(), capture(attention) as plain_attn, capture(layers) as plain_layers:
        loaded.model(input_ids=ids_of(loaded), use_cache=False)
    with (
        torch.no_grad(),
        steer(loaded, vector_set, mix, recipe=recipe),
        capture(attention) as attn,
        capture(layers) as out,
    ):
        loaded.model(input_ids=ids_of(loaded), use_cache=False)
    delta = expected_delta(vector_set, mix, 0)
    torch.testing.assert_close(attn[0], plain_attn[0] + delta, atol=ATOL, rtol=0)
    # The layer output moves too (residual add, then the MLP reacts), but not by exactly delta.
    assert not torch.allclose(out[0], plain_layers[0] + delta, atol=1e-4)
    assert not torch.allclose(out[0], plain_layers[0], atol=1e-4)


def test_intensity_scale_multiplies_alpha(tiny_llama, llama_vectors) -> None:
    scaled = with_scale(llama_vectors, {"joy": 2.5})
    layers = hooked_modules(tiny_llama, HookPoint.RESIDUAL)
    with (
        torch.no_grad(),
        capture(layers) as raw,
        steer(tiny_llama, scaled, {"joy": 0.4, "anger": 0.3}),
        capture(layers) as steered,
    ):
        tiny_llama.model(input_ids=ids_of(tiny_llama), use_cache=False)
    for layer in range(tiny_llama.num_layers):
        vectors = llama_vectors.vectors[:, layer]
        delta = 0.4 * 2.5 * vectors[0] + 0.3 * 1.0 * vectors[1]
        shift = steered[layer] - raw[layer]
        torch.testing.assert_close(shift, delta.expand_as(shift), atol=ATOL, rtol=0)
    with steer(tiny_llama, scaled, {"joy": 0.4}):
        with_calibration = logits(tiny_llama, ids_of(tiny_llama))
    with steer(tiny_llama, llama_vectors, {"joy": 1.0}):
        plain_unit = logits(tiny_llama, ids_of(tiny_llama))
    torch.testing.assert_close(with_calibration, plain_unit, atol=1e-4, rtol=0)


def test_mix_is_linear_in_the_vectors(tiny) -> None:
    loaded, vector_set = tiny
    ids = ids_of(loaded)
    with steer(loaded, vector_set, {"joy": 0.8, "anger": -0.6}):
        mixed = logits(loaded, ids)
    with steer(loaded, vector_set, {"joy": 0.8}), steer(loaded, vector_set, {"anger": -0.6}):
        nested = logits(loaded, ids)
    custom = vector_set.with_vector(0.8 * vector_set["joy"] - 0.6 * vector_set["anger"], name="custom")
    with steer(loaded, custom, {"custom": 1.0}):
        combined = logits(loaded, ids)
    with steer(loaded, vector_set, {"joy": 1.6, "anger": -1.2}):
        doubled = logits(loaded, ids)
    torch.testing.assert_close(nested, mixed, atol=1e-4, rtol=0)
    torch.testing.assert_close(combined, mixed, atol=1e-4, rtol=0)
    assert not torch.allclose(doubled, mixed, atol=1e-3)
    assert not torch.allclose(mixed, logits(loaded, ids), atol=1e-3)  # steering did something


# -- per-row mixes ----------------------------------------------------------------------------------------

ROW_MIXES = ({"joy": 1.0}, {}, {"anger": 0.8, "sadness": -0.5})


def test_each_row_gets_its_own_mix(tiny) -> None:
    loaded, vector_set = tiny
    rows = [encode(loaded.tokenizer, text) for text in ("abcdefgh", "Hi there", "12345678")]
    batch = torch.tensor(rows)
    with steer(loaded, vector_set, list(ROW_MIXES)):
        together = logits(loaded, batch)
    solos = []
    for row, mix in zip(rows, ROW_MIXES, strict=True):
        with steer(loaded, vector_set, mix):
            solos.append(logits(loaded, torch.tensor([row]))[0])
    for i, solo in enumerate(solos):
        torch.testing.assert_close(together[i], solo, atol=1e-4, rtol=0)
    plain = logits(loaded, batch)
    torch.testing.assert_close(together[1], plain[1], atol=1e-4, rtol=0)  # the neutral row is unsteered
    assert not torch.allclose(together[0], plain[0], atol=1e-3)
    assert not torch.allclose(together[2], plain[2], atol=1e-3)


@pytest.mark.parametrize("hook_point", list(HookPoint))
@pytest.mark.parametrize("positions", [PositionRule.ALL, PositionRule.LAST])
def test_each_row_gets_its_own_mix_with_left_padding(tiny, hook_point, positions) -> None:
    loaded, vector_set = tiny
    recipe = SteeringRecipe(hook_point=hook_point, positions=positions)
    rows = [encode(loaded.tokenizer, text) for text in PROMPTS]
    input_ids, mask, position_ids = left_pad(rows)
    width = input_ids.shape[1]
    with steer(loaded, vector_set, list(ROW_MIXES), recipe=recipe):
        together = logits(loaded, input_ids, attention_mask=mask, position_ids=position_ids)
    for i, (row, mix) in enumerate(zip(rows, ROW_MIXES, strict=True)):
        with steer(loaded, vector_set, mix, recipe=recipe):
            solo = logits(loaded, torch.tensor([row]))[0]
        torch.testing.assert_close(together[i, width - len(row) :], solo, atol=1e-4, rtol=0)
        if mix:
            assert not torch.allclose(solo[-1], logits(loaded, torch.tensor([row]))[0, -1], atol=1e-3)


def test_one_mix_is_broadcast_to_every_row(tiny) -> None:
    loaded, vector_set = tiny
    rows = [encode(loaded.tokenizer, text) for text in ("abcdefgh", "Hi there")]
    with steer(loaded, vector_set, {"sadness": 1.2}):
        together = logits(loaded, torch.tensor(rows))
    with steer(loaded, vector_set, [{"sadness": 1.2}, {"sadness": 1.2}]):
        listed = logits(loaded, torch.tensor(rows))
    torch.testing.assert_close(listed, together, atol=1e-6, rtol=0)
    for i, row in enumerate(rows):
        with steer(loaded, vector_set, {"sadness": 1.2}):
            torch.testing.assert_close(together[i], logits(loaded, torch.tensor([row]))[0], atol=1e-4, rtol=0)


def test_wrong_number_of_rows_is_a_steering_error(tiny_llama, llama_vectors, assert_model_untouched) -> None:
    assert_model_untouched(tiny_llama)
    batch = torch.tensor([encode(tiny_llama.tokenizer, t) for t in ("abc", "def", "ghi")])
    with (
        pytest.raises(SteeringError, match="2 rows of mixes but the model got a batch of 3"),
        steer(tiny_llama, llama_vectors, [{"joy": 1.0}, {"anger": 1.0}]),
    ):
        logits(tiny_llama, batch)


def test_layer_deltas_collapse_identical_rows(llama_vectors) -> None:
    same = [EmotionMix.coerce({"joy": 1.0})] * 3
    deltas = layer_deltas(llama_vectors, same, [0, 2], dtype=torch.float16, device=torch.device("cpu"))
    assert sorted(deltas) == [0, 2]
    assert deltas[2].shape == (1, llama_vectors.vectors.shape[-1])
    assert deltas[2].dtype == torch.float16
    torch.testing.assert_close(deltas[2][0].float(), llama_vectors["joy"].tensor[2], atol=1e-2, rtol=1e-2)
    different = [EmotionMix.coerce({"joy": 1.0}), EmotionMix()]
    rows = layer_deltas(llama_vectors, different, [1], dtype=torch.float32, device=torch.device("cpu"))
    assert rows[1].shape == (2, llama_vectors.vectors.shape[-1])
    assert not rows[1][1].any()
    neutral = [EmotionMix(), EmotionMix.coerce({"joy": 0.0})]
    assert layer_deltas(llama_vectors, neutral, [0, 1], dtype=torch.float32, device=torch.device("cpu")) == {}


# -- position rules ---------------------------------------------------------------------------------------


def _shifts(loaded, vector_set, recipe, input_ids, **steer_kwargs) -> dict[int, torch.Tensor]:
    layers = hooked_modules(loaded, recipe.hook_point)
    with (
        torch.no_grad(),
        capture(layers) as raw,
        steer(loaded, vector_set, {"joy": 1.0}, recipe=recipe, **steer_kwargs),
        capture(layers) as out,
    ):
        loaded.model(input_ids=input_ids, use_cache=False)
    return {layer: out[layer] - raw[layer] for layer in raw}


def _steered_positions(shifts: dict[int, torch.Tensor]) -> list[int]:
    norms = torch.stack([s[0].norm(dim=-1) for s in shifts.values()])  # [layers, positions]
    assert bool(((norms == 0) | (norms > 1e-2)).all())  # each position steered, or left exactly as it was
    steered = norms > 1e-2
    assert bool((steered == steered[:1]).all())  # the same positions at every layer
    return [int(p) for p in steered[0].nonzero().flatten()]


def test_last_rule_steers_only_the_final_position(tiny) -> None:
    loaded, vector_set = tiny
    ids = ids_of(loaded)
    shifts = _shifts(loaded, vector_set, SteeringRecipe(positions=PositionRule.LAST), ids)
    assert _steered_positions(shifts) == [ids.shape[1] - 1]


@pytest.mark.parametrize(
    ("prompt_length", "first"), [(5, 4), (1, 0), (0, 0), (19, 18), (20, None), (40, None)]
)
def test_generated_rule_steers_from_the_last_prompt_token(tiny, prompt_length, first) -> None:
    loaded, vector_set = tiny
    ids = ids_of(loaded)
    assert ids.shape[1] == 19
    recipe = SteeringRecipe(positions=PositionRule.GENERATED)
    shifts = _shifts(loaded, vector_set, recipe, ids, prompt_length=prompt_length)
    expected = [] if first is None else list(range(first, ids.shape[1]))
    assert _steered_positions(shifts) == expected


def test_generated_rule_needs_the_prompt_length(tiny_llama, llama_vectors) -> None:
    recipe = SteeringRecipe(positions=PositionRule.GENERATED)
    with pytest.raises(SteeringError, match="prompt length"):
        steer(tiny_llama, llama_vectors, {"joy": 1.0}, recipe=recipe)
    steer(tiny_llama, llama_vectors, {}, recipe=recipe)  # nothing to add, nothing to track: fine


# -- KV cache ---------------------------------------------------------------------------------------------


def _generate(loaded, vector_set, mixes, recipe, *, use_cache: bool, new_tokens: int = 10) -> torch.Tensor:
    rows = [encode(loaded.tokenizer, text) for text in PROMPTS[: len(mixes)]]
    input_ids, mask, _ = left_pad(rows)
    width = input_ids.shape[1]
    context = steer(loaded, vector_set, list(mixes), recipe=recipe, prompt_length=width)
    with torch.no_grad(), context:
        output = loaded.model.generate(
            input_ids=input_ids,
            attention_mask=mask,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            use_cache=use_cache,
            pad_token_id=PAD_ID,
            eos_token_id=EOS_ID,
        )
    return output[:, width:]


@pytest.mark.parametrize("hook_point", [HookPoint.BLOCK_CONTRIBUTION, HookPoint.ATTN_OUTPUT])
@pytest.mark.parametrize("positions", [PositionRule.ALL, PositionRule.GENERATED])
def test_cached_and_uncached_generation_agree(tiny, positions, hook_point) -> None:
    loaded, vector_set = tiny
    recipe = SteeringRecipe(hook_point=hook_point, positions=positions)
    mixes = ({"joy": 1.5}, {"anger": -1.0, "sadness": 1.0}, {})
    cached = _generate(loaded, vector_set, mixes, recipe, use_cache=True)
    uncached = _generate(loaded, vector_set, mixes, recipe, use_cache=False)
    assert torch.equal(cached, uncached)
    plain = _generate(loaded, vector_set, [{}] * 3, recipe, use_cache=True)
    assert torch.equal(plain[2], cached[2])  # the neutral row matches unsteered decoding
    assert not torch.equal(plain[:2], cached[:2])  # steering changed the steered rows


def test_last_equals_generated_under_the_cache(tiny) -> None:
    loaded, vector_set = tiny
    mixes = ({"joy": 1.5}, {"anger": 2.0})
    last = _generate(loaded, vector_set, mixes, SteeringRecipe(positions=PositionRule.LAST), use_cache=True)
    generated = _generate(
        loaded, vector_set, mixes, SteeringRecipe(positions=PositionRule.GENERATED), use_cache=True
    )
    every = _generate(loaded, vector_set, mixes, SteeringRecipe(positions=PositionRule.ALL), use_cache=True)
    assert torch.equal(last, generated)
    plain = _generate(loaded, vector_set, [{}, {}], SteeringRecipe(), use_cache=True)
    assert not torch.equal(last, plain)
    if loaded.fingerprint.model_type == "llama":  # (the tiny GPT-2 repeats one token whatever the rule)
        assert not torch.equal(last, every)  # steering the prompt too is a different rule


# -- the model is left as it was --------------------------------------------------------------------------


def test_model_is_unchanged_after_steering(tiny, assert_model_untouched) -> None:
    loaded, vector_set = tiny
    assert_model_untouched(loaded)
    ids = ids_of(loaded)
    before = logits(loaded, ids)
    for hook_point in HookPoint:
        for positions in PositionRule:
            recipe = SteeringRecipe(hook_point=hook_point, positions=positions)
            with steer(loaded, vector_set, {"joy": 2.0}, recipe=recipe, prompt_length=3) as steering:
                assert steering.layers == tuple(range(loaded.num_layers))
                assert hook_counts(loaded.model) != {}
                assert not torch.allclose(logits(loaded, ids), before, atol=1e-3)
            assert hook_counts(loaded.model) == {}
            assert hooks._ACTIVE.get() == ()
    torch.testing.assert_close(logits(loaded, ids), before, atol=0, rtol=0)


def test_model_is_unchanged_when_the_block_raises(tiny_llama, llama_vectors, assert_model_untouched) -> None:
    assert_model_untouched(tiny_llama)
    recipe = SteeringRecipe(positions=PositionRule.GENERATED)
    with (
        pytest.raises(RuntimeError, match="boom"),
        steer(tiny_llama, llama_vectors, {"joy": 1.0}, recipe=recipe, prompt_length=2),
    ):
        logits(tiny_llama, ids_of(tiny_llama))
        raise RuntimeError("boom")
    assert hook_counts(tiny_llama.model) == {}
    assert hooks._ACTIVE.get() == ()


def test_failed_enter_removes_the_hooks_it_added(tiny_llama, llama_vectors, assert_model_untouched) -> None:
    assert_model_untouched(tiny_llama)
    delta = torch.ones(1, tiny_llama.hidden_size)
    steering = Steering(tiny_llama.model, tiny_llama.layout, {0: delta, 99: delta}, SteeringRecipe())
    with pytest.raises(AttributeError):
        steering.__enter__()
    assert hook_counts(tiny_llama.model) == {}
    assert hooks._ACTIVE.get() == ()


def test_a_steering_context_cannot_be_entered_twice(
    tiny_llama, llama_vectors, assert_model_untouched
) -> None:
    assert_model_untouched(tiny_llama)
    ids = ids_of(tiny_llama)
    steering = steer(tiny_llama, llama_vectors, {"joy": 1.0})
    with steering:
        once = logits(tiny_llama, ids)
        with pytest.raises(SteeringError, match="already active"), steering:
            pass
        torch.testing.assert_close(logits(tiny_llama, ids), once, atol=0, rtol=0)  # not added twice
    assert hook_counts(tiny_llama.model) == {}


def test_nested_contexts_add_up_and_unwind(tiny_llama, llama_vectors, assert_model_untouched) -> None:
    assert_model_untouched(tiny_llama)
    ids = ids_of(tiny_llama)
    with steer(tiny_llama, llama_vectors, {"joy": 1.0}):
        only_joy = logits(tiny_llama, ids)
    with steer(tiny_llama, llama_vectors, {"joy": 1.0, "anger": 1.0}):
        both = logits(tiny_llama, ids)
    with steer(tiny_llama, llama_vectors, {"joy": 1.0}) as outer:
        with steer(tiny_llama, llama_vectors, {"anger": 1.0}) as inner:
            assert hooks._ACTIVE.get() == (outer, inner)
            torch.testing.assert_close(logits(tiny_llama, ids), both, atol=1e-4, rtol=0)
        assert hooks._ACTIVE.get() == (outer,)
        torch.testing.assert_close(logits(tiny_llama, ids), only_joy, atol=0, rtol=0)
    assert not torch.allclose(only_joy, both, atol=1e-3)
    assert hooks._ACTIVE.get() == ()
    assert hook_counts(tiny_llama.model) == {}


def test_contexts_closed_out_of_order(tiny_llama, llama_vectors, assert_model_untouched) -> None:
    assert_model_untouched(tiny_llama)
    ids = ids_of(tiny_llama)
    with steer(tiny_llama, llama_vectors, {"anger": 1.0}):
        only_anger = logits(tiny_llama, ids)
    first = steer(tiny_llama, llama_vectors, {"joy": 1.0})
    second = steer(tiny_llama, llama_vectors, {"anger": 1.0})
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    try:
        still_open = logits(tiny_llama, ids)
    finally:
        second.__exit__(None, None, None)
        active = hooks._ACTIVE.get()
        hooks._ACTIVE.set(())  # do not leak the stale entry into later tests
    assert active == ()
    torch.testing.assert_close(still_open, only_anger, atol=1e-5, rtol=0)


def test_neutral_mix_registers_nothing(tiny_llama, llama_vectors) -> None:
    with steer(tiny_llama, llama_vectors, {"joy": 0.0}) as steering:
        assert steering.layers == ()
        assert hook_counts(tiny_llama.model) == {}
    with steer(tiny_llama, llama_vectors, None) as steering:
        assert steering.layers == ()


def test_steer_refusals(tiny_llama, llama_vectors, gpt2_vectors) -> None:
    with pytest.raises(SteeringError, match="vector set is for 2 layers x 32 hidden"):
        steer(tiny_llama, gpt2_vectors, {"joy": 1.0})
    with pytest.raises(SteeringError, match=r"layers \[3, 7\] do not exist"):
        steer(tiny_llama, llama_vectors, {"joy": 1.0}, recipe=SteeringRecipe(layers=(0, 3, 7)))
    with pytest.raises(UnknownEmotionError, match="'fear'"):
        steer(tiny_llama, llama_vectors, {"fear": 1.0})
    with pytest.raises(UnknownEmotionError, match="'fear'"):
        steer(tiny_llama, llama_vectors, [{"joy": 1.0}, {"fear": 0.5}])
    assert hook_counts(tiny_llama.model) == {}


def test_recipe_from_the_vector_set_is_the_default(tiny_llama, llama_vectors) -> None:
    only_last_layer = EmotionVectorSet(
        llama_vectors.vectors,
        llama_vectors.metadata.model_copy(update={"recipe": SteeringRecipe(layers=(2,))}),
    )
    with steer(tiny_llama, only_last_layer, {"joy": 1.0}) as steering:
        assert steering.layers == (2,)
        assert set(hook_counts(tiny_llama.model)) == {"model.layers.2"}


# -- threads ----------------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_threads_steering_one_model_do_not_see_each_other(tiny, assert_model_untouched) -> None:
    loaded, vector_set = tiny
    assert_model_untouched(loaded)
    ids = torch.tensor([encode(loaded.tokenizer, t) for t in ("Good morning!", "What is that?")])
    plans = {
        "joy": ({"joy": 2.0}, SteeringRecipe()),
        "rows": ([{"anger": 1.0}, {"sadness": -1.5}], SteeringRecipe(hook_point=HookPoint.ATTN_OUTPUT)),
        "generated": ({"anger": 2.0}, SteeringRecipe(positions=PositionRule.GENERATED)),
        "plain": (None, None),
    }

    def run(name: str) -> torch.Tensor:
        mix, recipe = plans[name]
        context = (
            nullcontext() if mix is None else steer(loaded, vector_set, mix, recipe=recipe, prompt_length=6)
        )
        with context:
            return logits(loaded, ids)

    alone = {name: run(name) for name in plans}
    for name in ("joy", "rows", "generated"):
        assert not torch.allclose(alone[name], alone["plain"], atol=1e-3)

    barrier = threading.Barrier(len(plans))
    results: dict[str, list[torch.Tensor]] = {name: [] for name in plans}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            mix, recipe = plans[name]
            context = (
                nullcontext()
                if mix is None
                else steer(loaded, vector_set, mix, recipe=recipe, prompt_length=6)
            )
            with context:
                barrier.wait(timeout=30)  # every thread's hooks are registered before anyone runs
                for _ in range(25):
                    results[name].append(logits(loaded, ids))
                barrier.wait(timeout=30)  # and stay registered until everyone is done
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(name,)) for name in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    for name, outputs in results.items():
        assert len(outputs) == 25
        for output in outputs:
            torch.testing.assert_close(output, alone[name], atol=1e-5, rtol=0)
