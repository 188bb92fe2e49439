"""Batched steered generation: determinism, sampling seeds, stops, budgets, usage, streaming, errors."""

from __future__ import annotations

import time

import pydantic
import pytest
import torch
from _tiny import CONTEXT, EOS_ID, PAD_ID, PlantedTokens, SlowForward, encode, hook_counts

from emotive_agents.errors import GenerationError, UnknownEmotionError, VectorSetError
from emotive_agents.generation.generator import GenerationStream, Generator, first_stop
from emotive_agents.generation.types import GenerationRequest, SamplingParams
from emotive_agents.steering.mix import EmotionMix
from emotive_agents.vectors.recipe import PositionRule, SteeringRecipe

PROMPTS = ("Hi", "How was your weekend?", "Tell me about cats, please.")


@pytest.fixture(scope="module")
def generator(tiny_llama, llama_vectors) -> Generator:
    return Generator(tiny_llama, llama_vectors)


def request(messages="Hi", emotion=None, **params) -> GenerationRequest:
    return GenerationRequest.build(messages, emotion, **params)


def direct_greedy(loaded, prompt: str, new_tokens: int) -> str:
    """Greedy continuation of `prompt` by calling the HF model directly (no steering)."""
    ids = torch.tensor([encode(loaded.tokenizer, prompt)])
    with torch.no_grad():
        output = loaded.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=PAD_ID,
        )
    return loaded.tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True)


# -- basics -----------------------------------------------------------------------------------------------


def test_greedy_matches_the_model_and_is_deterministic(generator, tiny_llama) -> None:
    first = generator.generate([request("Hi", max_new_tokens=12)])[0]
    second = generator.generate([request("Hi", max_new_tokens=12)])[0]
    assert first == second
    prompt = "User: Hi\nAssistant:"  # the plain format: the tiny tokenizer has no chat template
    assert generator.prompt_text(request("Hi")) == prompt
    assert first.text == direct_greedy(tiny_llama, prompt, 12)
    assert len(first.text) == 12  # one character per token, and the tiny model never picks <eos>
    assert first.finish_reason == "length"
    assert first.model == "tiny-llama"
    assert first.emotion == {}


def test_usage_counts(generator, tiny_llama) -> None:
    result = generator.generate([request(PROMPTS[1], max_new_tokens=7)])[0]
    prompt = generator.prompt_text(request(PROMPTS[1]))
    assert result.usage.input_tokens == len(encode(tiny_llama.tokenizer, prompt)) == len(prompt)
    assert result.usage.output_tokens == 7
    assert result.usage.total_tokens == len(prompt) + 7


def test_pre_rendered_prompt_bypasses_the_template(generator) -> None:
    raw = GenerationRequest(prompt="Once upon a time", params=SamplingParams(max_new_tokens=5))
    result = generator.generate([raw])[0]
    assert result.usage.input_tokens == len("Once upon a time")
    assert generator.prompt_text(raw) == "Once upon a time"


def test_chat_messages_are_rendered(generator) -> None:
    messages = [{"role": "system", "content": "Be nice."}, {"role": "human", "content": "Hi"}]
    result = generator.generate([request(messages, max_new_tokens=3)])[0]
    assert result.usage.input_tokens == len("System: Be nice.\nUser: Hi\nAssistant:")


def test_empty_prompt_is_refused(generator) -> None:
    with pytest.raises(GenerationError, match="empty"):
        generator.generate([GenerationRequest(prompt="")])


def test_results_keep_request_order_across_sampling_groups(generator) -> None:
    requests = [
        request(PROMPTS[0], max_new_tokens=6),
        request(PROMPTS[1], max_new_tokens=6, temperature=0.8, seed=3),
        request(PROMPTS[2], max_new_tokens=6),
        request(PROMPTS[0], {"joy": 1.0}, max_new_tokens=6, temperature=0.8, seed=3),
    ]
    together = generator.generate(requests)
    assert [r.usage.input_tokens for r in together] == [len(generator.prompt_text(r)) for r in requests]
    assert [r.emotion for r in together] == [{}, {}, {}, {"joy": 1.0}]
    assert [r.text for r in together[::2]] == [generator.generate([r])[0].text for r in requests[::2]]


# -- sampling ---------------------------------------------------------------------------------------------


def test_seed_makes_sampling_reproducible(generator) -> None:
    def sample(seed):
        return generator.generate([request("Hi", max_new_tokens=16, temperature=1.5, seed=seed)])[0].text

    assert sample(7) == sample(7)
    assert len({sample(seed) for seed in range(4)}) > 1  # seeds matter
    greedy = generator.generate([request("Hi", max_new_tokens=16)])[0].text
    assert sample(7) != greedy


def test_seeded_request_does_not_depend_on_its_batch(generator) -> None:
    seeded = request("Hi", max_new_tokens=12, temperature=1.0, seed=4)
    alone = generator.generate([seeded])[0].text
    twice = generator.generate([seeded, seeded])
    assert [r.text for r in twice] == [alone, alone]


def test_seeded_sampling_leaves_the_global_rng_alone(generator) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    generator.generate([request("Hi", max_new_tokens=4, temperature=1.0, seed=5)])
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(
    "params",
    [
        {"max_new_tokens": 0},
        {"max_new_tokens": 9000},
        {"temperature": -0.1},
        {"temperature": 6},
        {"top_p": 0},
        {"top_k": 0},
        {"stop": [""]},
        {"stop": ["ok", 3]},
        {"stop": 5},
    ],
)
def test_invalid_sampling_params(params) -> None:
    with pytest.raises(pydantic.ValidationError):
        SamplingParams.model_validate(params)


def test_stop_parameter_forms() -> None:
    assert SamplingParams(stop="END").stop == ("END",)
    assert SamplingParams(stop=None).stop == ()
    assert SamplingParams(stop=["a", "b"]).stop == ("a", "b")
    assert first_stop("hello world", ("wor", "lo")) == 3
    assert first_stop("hello", ("x",)) is None
    assert first_stop("hello", ()) is None


# -- stops, budgets, EOS ----------------------------------------------------------------------------------


def test_stop_sequence_truncates_the_text(generator) -> None:
    full = generator.generate([request("Hi", max_new_tokens=16)])[0].text
    stop = full[4:6]
    cut = full.find(stop)
    result = generator.generate([request("Hi", max_new_tokens=16, stop=[stop])])[0]
    assert result.text == full[:cut]
    assert result.finish_reason == "stop"
    assert result.usage.output_tokens < 16  # generation itself stopped early
    assert result.usage.output_tokens >= cut + len(stop)


def test_earliest_of_several_stops_wins(generator) -> None:
    full = generator.generate([request("Hi", max_new_tokens=16)])[0].text
    late, early = full[8:10], full[2:4]
    result = generator.generate([request("Hi", max_new_tokens=16, stop=[late, early])])[0]
    assert result.text == full[: min(full.find(early), full.find(late))]


def test_stop_that_never_appears(generator) -> None:
    result = generator.generate([request("Hi", max_new_tokens=8, stop=["\u00e9\u00e9"])])[0]
    assert result.finish_reason == "length"
    assert result.usage.output_tokens == 8


def test_per_row_token_budgets(generator) -> None:
    budgets = (3, 9, 14)
    requests = [request(p, max_new_tokens=n) for p, n in zip(PROMPTS, budgets, strict=True)]
    together = generator.generate(requests)
    solo = [generator.generate([r])[0] for r in requests]
    assert [r.usage.output_tokens for r in together] == list(budgets)
    assert [r.text for r in together] == [r.text for r in solo]
    assert [len(r.text) for r in together] == list(budgets)
    assert all(r.finish_reason == "length" for r in together)


def test_stopped_row_in_a_batch_keeps_its_text(generator) -> None:
    full = generator.generate([request(PROMPTS[0], max_new_tokens=12)])[0].text
    stop = full[3:5]
    rows = [request(PROMPTS[0], max_new_tokens=12, stop=[stop]), request(PROMPTS[1], max_new_tokens=12)]
    together = generator.generate(rows)
    assert together[0].text == full[: full.find(stop)]
    assert together[0].finish_reason == "stop"
    assert together[1] == generator.generate([rows[1]])[0]


def test_stopped_row_usage_does_not_count_padding(generator) -> None:
    full = generator.generate([request(PROMPTS[0], max_new_tokens=12)])[0].text
    stop = full[3:5]
    rows = [request(PROMPTS[0], max_new_tokens=12, stop=[stop]), request(PROMPTS[1], max_new_tokens=12)]
    alone = generator.generate(rows[:1])[0]
    together = generator.generate(rows)
    assert alone.usage.output_tokens < 12
    assert together[0].usage.output_tokens == alone.usage.output_tokens


def test_eos_ends_the_text(generator, tiny_llama) -> None:
    h, i, bang = (encode(tiny_llama.tokenizer, c)[0] for c in "hi!")
    with PlantedTokens(tiny_llama.model, [h, i, EOS_ID, PAD_ID, PAD_ID]):
        result = generator.generate([request("Hi", max_new_tokens=5)])[0]
    assert (result.text, result.finish_reason, result.usage.output_tokens) == ("hi", "stop", 2)
    with PlantedTokens(tiny_llama.model, [h, i, EOS_ID, PAD_ID, PAD_ID]):
        assert generator.generate_ids([request("Hi", max_new_tokens=5)])[0][1] == [h, i]
    # ignore_eos bans EOS until the budget is spent (as min_new_tokens does in transformers)
    with PlantedTokens(tiny_llama.model, [h, i, EOS_ID, bang, bang]):
        kept = generator.generate([request("Hi", max_new_tokens=5, ignore_eos=True)])[0]
    assert kept.finish_reason == "length" and kept.usage.output_tokens == 5
    assert kept.text.startswith("hi") and kept.text.endswith("!!")


def test_generate_ids(generator, tiny_llama) -> None:
    requests = [request(PROMPTS[0], max_new_tokens=4), request(PROMPTS[2], max_new_tokens=6)]
    pairs = generator.generate_ids(requests)
    results = generator.generate(requests)
    for (prompt_ids, response_ids), req, result in zip(pairs, requests, results, strict=True):
        assert prompt_ids == encode(tiny_llama.tokenizer, generator.prompt_text(req))
        assert len(response_ids) == req.params.max_new_tokens
        assert tiny_llama.tokenizer.decode(response_ids) == result.text


# -- context window ---------------------------------------------------------------------------------------


def test_context_window_overflow(generator) -> None:
    with pytest.raises(GenerationError, match=f"context window of {CONTEXT} tokens"):
        generator.generate([request("x" * 200, max_new_tokens=100)])
    with pytest.raises(GenerationError, match="context window"):
        generator.stream(request("x" * 200, max_new_tokens=100))


def test_context_window_boundary(generator) -> None:
    def raw(new_tokens):
        return GenerationRequest(prompt="y" * (CONTEXT - 6), params=SamplingParams(max_new_tokens=new_tokens))

    assert generator.generate([raw(6)])[0].usage.output_tokens == 6
    with pytest.raises(GenerationError, match="exceeds"):
        generator.generate([raw(7)])


# -- steering ---------------------------------------------------------------------------------------------


def test_mix_changes_the_text(generator) -> None:
    plain = generator.generate([request("Hi", max_new_tokens=12)])[0]
    joyful = generator.generate([request("Hi", {"joy": 2.0}, max_new_tokens=12)])[0]
    assert joyful.text != plain.text
    assert joyful.emotion == {"joy": 2.0}


@pytest.mark.parametrize("positions", [PositionRule.ALL, PositionRule.LAST, PositionRule.GENERATED])
def test_batched_rows_with_padding_match_solo_runs(tiny_llama, llama_vectors, positions) -> None:
    generator = Generator(tiny_llama, llama_vectors, recipe=SteeringRecipe(positions=positions))
    mixes = ({"joy": 2.0}, {}, {"anger": 1.5, "sadness": -1.0})
    requests = [request(p, m, max_new_tokens=10) for p, m in zip(PROMPTS, mixes, strict=True)]
    together = generator.generate(requests)
    solo = [generator.generate([r])[0] for r in requests]
    assert together == solo
    plain = [generator.generate([request(p, max_new_tokens=10)])[0].text for p in PROMPTS]
    assert together[1].text == plain[1]
    assert together[0].text != plain[0]
    assert together[2].text != plain[2]


def test_max_batch_size_caps_the_decode_batch(tiny_llama, llama_vectors) -> None:
    requests = [request(PROMPTS[i % 3], {"joy": 0.5 * i}, max_new_tokens=5) for i in range(5)]
    wide = Generator(tiny_llama, llama_vectors)
    expected = wide.generate(requests)
    assert wide.executor.snapshot().max_batch == 5  # one call's rows decode together
    small = Generator(tiny_llama, llama_vectors, max_batch_size=2)
    assert small.generate(requests) == expected
    assert small.executor.snapshot().max_batch == 2


def test_mix_without_vector_set(tiny_llama) -> None:
    bare = Generator(tiny_llama)
    with pytest.raises(VectorSetError, match="no vector set"):
        bare.generate([request("Hi", {"joy": 1.0}, max_new_tokens=3)])
    assert bare.generate([request("Hi", {"joy": 0.0}, max_new_tokens=3)])[0].usage.output_tokens == 3


def test_unknown_emotion(generator) -> None:
    with pytest.raises(UnknownEmotionError):
        generator.generate([request("Hi", {"fear": 1.0}, max_new_tokens=3)])
    assert hook_counts(generator.loaded.model) == {}


def test_generation_leaves_no_hooks(generator, assert_model_untouched) -> None:
    assert_model_untouched(generator.loaded)
    generator.generate([request(p, {"joy": 1.0}, max_new_tokens=4) for p in PROMPTS])


def test_request_build() -> None:
    built = GenerationRequest.build("Hi", {"joy": 0.5}, max_new_tokens=3, stop="x")
    assert built.messages[0].content == "Hi"
    assert built.emotion == EmotionMix.coerce({"joy": 0.5})
    assert built.params.stop == ("x",)
    with pytest.raises(pydantic.ValidationError):
        GenerationRequest.build("Hi", {"joy": 9.0})


# -- streaming --------------------------------------------------------------------------------------------
# A broken stream tends to hang (the consumer waits on the streamer's queue), so fail fast instead.
STREAM_TIMEOUT = pytest.mark.timeout(60)


@STREAM_TIMEOUT
def test_stream_concatenates_to_the_result(generator) -> None:
    expected = generator.generate([request(PROMPTS[1], max_new_tokens=20)])[0]
    stream = generator.stream(request(PROMPTS[1], max_new_tokens=20))
    assert isinstance(stream, GenerationStream)
    assert stream.result is None
    chunks = list(stream)
    assert "".join(chunks) == expected.text
    assert all(chunks)  # (how the text is split is the HF streamer's business: it waits for word ends)
    assert stream.result == expected


@STREAM_TIMEOUT
def test_stream_with_a_stop_sequence(generator) -> None:
    full = generator.generate([request("Hi", max_new_tokens=16)])[0].text
    stop = full[5:8]
    stream = generator.stream(request("Hi", max_new_tokens=16, stop=[stop]))
    text = "".join(stream)
    assert text == full[: full.find(stop)]
    assert stream.result is not None
    assert stream.result.text == text
    assert stream.result.finish_reason == "stop"


@STREAM_TIMEOUT
def test_stream_steered(generator) -> None:
    expected = generator.generate([request("Hi", {"anger": 1.5}, max_new_tokens=10)])[0]
    stream = generator.stream(request("Hi", {"anger": 1.5}, max_new_tokens=10))
    assert "".join(stream) == expected.text
    assert stream.result == expected
    assert hook_counts(generator.loaded.model) == {}


@STREAM_TIMEOUT
def test_stream_reraises_decode_errors(generator, tiny_llama) -> None:
    def broken(module, args):
        raise RuntimeError("kaput")

    handle = tiny_llama.model.register_forward_pre_hook(broken)
    try:
        stream = generator.stream(request("Hi", max_new_tokens=5))
        with pytest.raises(GenerationError, match="kaput") as info:
            list(stream)
    finally:
        handle.remove()
    assert isinstance(info.value.__cause__, RuntimeError)
    assert stream.result is None
    assert generator.generate([request("Hi", max_new_tokens=3)])[0].usage.output_tokens == 3  # still serves


def _wait_cancelled(generator: Generator, before: int) -> None:
    deadline = time.monotonic() + 10
    while generator.executor.snapshot().cancelled == before and time.monotonic() < deadline:
        time.sleep(0.005)
    assert generator.executor.snapshot().cancelled == before + 1


@STREAM_TIMEOUT
def test_closing_a_stream_early_cancels_the_row(generator, tiny_llama) -> None:
    text = encode(tiny_llama.tokenizer, "one two three four five six seven eight nine ten ")
    before = generator.executor.snapshot().cancelled
    with PlantedTokens(tiny_llama.model, text, delay=0.005) as planted:
        stream = generator.stream(request("Hi", max_new_tokens=200))
        iterator = iter(stream)
        first = next(iterator)
        assert first and "one two".startswith(first)
        iterator.close()  # the consumer went away
        _wait_cancelled(generator, before)
        assert planted.calls < 100  # cancelled long before its 200-token budget (~1 s at this pace)
    assert stream.result is None


@STREAM_TIMEOUT
def test_stream_close_method(generator, tiny_llama) -> None:
    before = generator.executor.snapshot().cancelled
    with PlantedTokens(tiny_llama.model, encode(tiny_llama.tokenizer, "abc def "), delay=0.005) as planted:
        stream = generator.stream(request("Hi", max_new_tokens=200))
        time.sleep(0.02)
        stream.close()
        _wait_cancelled(generator, before)
        assert planted.calls < 100


@STREAM_TIMEOUT
def test_stream_holds_back_a_possible_stop_prefix(generator, tiny_llama) -> None:
    with PlantedTokens(tiny_llama.model, encode(tiny_llama.tokenizer, "aaaa bbbb END cccc")) as planted:
        stream = generator.stream(request("Hi", max_new_tokens=40, stop=["END"]))
        chunks = list(stream)
    assert len(chunks) > 1  # streamed as it went, not in one piece at the end
    assert "".join(chunks) == "aaaa bbbb "
    assert not any("E" in chunk for chunk in chunks)  # "E"/"EN" were held back, never sent
    assert stream.result is not None
    assert stream.result.text == "aaaa bbbb "
    assert stream.result.finish_reason == "stop"
    assert planted.calls < 40


@STREAM_TIMEOUT
def test_stream_deadline_cancels_and_raises_timeout(generator, tiny_llama) -> None:
    before = generator.executor.snapshot().cancelled
    with SlowForward(generator, delay=0.01):
        stream = generator.stream(request("Hi", max_new_tokens=200), deadline=time.monotonic() + 0.1)
        with pytest.raises(TimeoutError):
            list(stream)
        _wait_cancelled(generator, before)
