"""The LangChain judge against a fake chat model with canned answers."""

from __future__ import annotations

import pytest

from emotive_agents.affect.llm_judge import LLMJudge, parse_rating

fake = pytest.importorskip("langchain_core.language_models.fake_chat_models")


def test_llm_judge_reads_json_labels_and_failures() -> None:
    model = fake.FakeListChatModel(
        responses=[
            'Sure: {"anger": 0.1, "joy": 0.6, "neutral": 0.3}',
            "sadness",
            "I cannot tell.",
        ]
    )
    judge = LLMJudge(model)
    joy, sad, unknown = judge.predict(["yay", "sigh", "hmm"])
    assert joy.label == "joy" and joy.probabilities["joy"] == pytest.approx(0.6)
    assert sad.probabilities["sadness"] == 1.0
    assert unknown.confidence == pytest.approx(1 / 7)  # uniform
    assert judge.failures == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"Fear": 2, "neutral": 2}', {"fear": 2.0, "neutral": 2.0}),
        ('{"bogus": 1} then {"disgust": 1}', {"disgust": 1.0}),
        ("{not json} surprise!", {"surprise": 1.0}),
        ("no idea", None),
    ],
)
def test_parse_rating(content: str, expected: dict[str, float] | None) -> None:
    assert parse_rating(content) == expected
