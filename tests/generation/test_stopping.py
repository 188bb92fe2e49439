"""Row endings on planted tokens: EOS, budgets, stop strings held back, sentence trims and soft budgets."""

from __future__ import annotations

from _tiny import EOS_ID, PAD_ID, encode

from emotive_agents.generation.stopping import RowText, Step, first_stop
from emotive_agents.generation.types import SamplingParams


def run(
    tokenizer, text: str, *, streaming: bool = True, extra: list[int] = (), **params: object
) -> tuple[RowText, list[Step]]:
    ids = [*encode(tokenizer, text), *extra]
    row = RowText(
        tokenizer,
        SamplingParams(max_new_tokens=params.pop("max_new_tokens", len(ids)), **params),
        {EOS_ID, PAD_ID},
        streaming=streaming,
    )
    steps = []
    for token in ids:
        steps.append(row.advance(token))
        if steps[-1].finish_reason is not None:
            break
    return row, steps


def streamed(steps: list[Step]) -> str:
    return "".join(s.delta for s in steps)


def test_first_stop() -> None:
    assert first_stop("abc END x STOP", ["STOP", "END"]) == 4
    assert first_stop("abc", ["x"]) is None


def test_budget_cut_reply_is_trimmed_and_streams_whole_sentences(tokenizer) -> None:
    row, steps = run(tokenizer, "I can help. Let me ch", trim_to_sentence=True)
    last = steps[-1]
    assert (row.text, last.finish_reason, last.trimmed) == ("I can help.", "length", True)
    assert len(row.tokens) == len("I can help. Let me ch")  # the cut tail was still computed
    assert streamed(steps) == "I can help."
    row, steps = run(tokenizer, "I can help. Let me ch")
    assert (row.text, steps[-1].trimmed) == ("I can help. Let me ch", False)
    row, steps = run(tokenizer, "I can help. Sure.", trim_to_sentence=True)
    assert (row.text, steps[-1].trimmed) == ("I can help. Sure.", False)


def test_soft_budget_stops_at_the_first_sentence_end_past_it(tokenizer) -> None:
    row, steps = run(tokenizer, "Yes. No. Maybe so", max_new_tokens=40, soft_max_tokens=3)
    assert (row.text, steps[-1].finish_reason) == ("Yes.", "stop")


def test_stop_strings_are_held_back_and_cut(tokenizer) -> None:
    row, steps = run(tokenizer, "Hello END world", max_new_tokens=40, stop=["END"])
    assert (row.text, steps[-1].finish_reason) == ("Hello ", "stop")
    assert streamed(steps) == "Hello "
    assert all("E" not in s.delta for s in steps)  # "E" might have started the stop: never sent


def test_eos_ends_the_row_unless_ignored(tokenizer) -> None:
    row, steps = run(tokenizer, "Hi", extra=[EOS_ID, *encode(tokenizer, "x")], max_new_tokens=10)
    assert (row.text, row.tokens, steps[-1].finish_reason) == ("Hi", encode(tokenizer, "Hi"), "stop")
    row, steps = run(
        tokenizer, "Hi", extra=[EOS_ID, *encode(tokenizer, "x")], max_new_tokens=4, ignore_eos=True
    )
    assert (row.text, steps[-1].finish_reason, len(row.tokens)) == ("Hix", "length", 4)


def test_non_streaming_rows_decode_once_and_stream_nothing(tokenizer) -> None:
    row, steps = run(tokenizer, "Hello world", streaming=False)
    assert [s.delta for s in steps[:-1]] == [""] * (len(steps) - 1)
    assert steps[-1].delta == row.text == "Hello world"
