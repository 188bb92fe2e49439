"""Tokens per word: word salad costs more than plain words, and cannot replace the first reply."""

from __future__ import annotations

from _planted import PlantedReader

from emotive_agents.monitor.fluency import engine_word_cost, tokens_per_word
from emotive_agents.monitor.loop import ReplyMonitor
from emotive_agents.monitor.reading import ReplyReader


class CharTokenizer:
    """One token per three characters: longer, odder words cost more."""

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        return {"input_ids": [0] * sum(-(-len(w) // 3) for w in text.split())}


def test_tokens_per_word() -> None:
    cost = tokens_per_word(CharTokenizer())
    assert cost("the cat sat") == 1.0 and cost("1 2 3") == 1.0
    assert cost("Esteemlemento acheta") > cost("the cat sat")


def test_engine_word_cost() -> None:
    assert engine_word_cost(object()) is None


def test_salad_is_recorded_but_not_chosen() -> None:
    # first reply + user angry; both candidates read calm, but the first candidate is salad
    monitor = ReplyMonitor(ReplyReader(PlantedReader(bad="anger", good="neutral", bad_calls=2)))
    record = monitor.run(
        "retry",
        {"calm": 1.0},
        "I am on it.",
        lambda mix, plan: ["Esteemlemento acheta primeramente", "I can fix it now."],
        user_text="Where is it?",
        word_cost=lambda text: 3.0 if "Esteem" in text else 1.0,
    )
    assert record.chosen == 1 and record.attempts[1].text == "I can fix it now."
    assert "not fluent enough to be chosen" in record.candidates[0].notes
    fresh = ReplyMonitor(ReplyReader(PlantedReader(bad="anger", good="neutral", bad_calls=1)))
    only_salad = fresh.run(
        "retry",
        {"calm": 1.0},
        "I am on it.",
        lambda mix, plan: ["Esteemlemento acheta primeramente"],
        word_cost=lambda text: 3.0 if "Esteem" in text else 1.0,
    )
    assert only_salad.retried and only_salad.chosen == 0
