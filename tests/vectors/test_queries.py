"""Query and prompt files: the project's format, the paper's two JSON formats, placement of instructions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.queries import (
    DEFAULT_PROMPTS,
    DEFAULT_QUERIES,
    EMOTION_QUERY_PLUS_BLOCKS,
    EmotionPrompts,
    Query,
    label_blocks,
    load_prompts,
    load_queries,
)

EMOTION_QUERY_PLUS = Path(__file__).resolve().parents[3] / "shared/data/emotionquery/EmotionQuery+.json"


def test_project_queries_cover_the_domains() -> None:
    queries = load_queries(DEFAULT_QUERIES)
    assert len(queries) >= 100
    assert {"daily_life", "school", "health", "customer_service"} <= {q.domain for q in queries}


def test_emotion_query_dict_format_keeps_the_emotion(tmp_path: Path) -> None:
    path = tmp_path / "eq.json"
    path.write_text(json.dumps({"joy": ["a", "b"], "anger": ["c", " "]}))
    queries = load_queries(path)
    assert [(q.text, q.emotion) for q in queries] == [("a", "joy"), ("b", "joy"), ("c", "anger")]


@pytest.mark.skipif(not EMOTION_QUERY_PLUS.exists(), reason="../shared/data/emotionquery is absent")
def test_emotion_query_plus_list_format() -> None:
    queries = load_queries(EMOTION_QUERY_PLUS)
    assert len(queries) == 400
    assert all(q.text.strip() for q in queries)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("42", "expected a JSON list"), ("[]", "no queries")],
)
def test_bad_query_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "q.json"
    path.write_text(content)
    with pytest.raises(VectorSetError, match=message):
        load_queries(path)
    with pytest.raises(VectorSetError, match="does not exist"):
        load_queries(tmp_path / "missing.json")


def test_shipped_prompts_have_user_turn_instructions() -> None:
    prompts = load_prompts(DEFAULT_PROMPTS)
    assert prompts.user_neutral
    assert set(prompts.user_emotions) == set(prompts.emotions)


def test_placement_puts_the_instruction_where_asked() -> None:
    prompts = EmotionPrompts(
        neutral="sys-neutral",
        emotions={"joy": "sys-joy"},
        user_neutral="plainly",
        user_emotions={"joy": "joyfully"},
    )
    system = prompts.messages("joy", "hi?", "system")
    assert [(m.role, m.content) for m in system] == [("system", "sys-joy"), ("user", "hi?")]
    user = prompts.messages("joy", "hi?", "user")
    assert [(m.role, m.content) for m in user] == [("user", "hi?\n\njoyfully")]
    both = prompts.messages(None, "hi?", "both")
    assert [(m.role, m.content) for m in both] == [("system", "sys-neutral"), ("user", "hi?\n\nplainly")]


def test_missing_instructions_are_clear_errors(tmp_path: Path) -> None:
    prompts = EmotionPrompts(neutral="n", emotions={"joy": "j"})
    with pytest.raises(VectorSetError, match="user-turn instruction"):
        prompts.messages("joy", "q", "user")
    with pytest.raises(VectorSetError, match="no prompt for emotion 'fear'"):
        prompts.messages("fear", "q")
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"neutral": "n", "emotions": {"joy": {"prompt": "j", "user": "u"}}}))
    loaded = load_prompts(path)
    assert loaded.user_instruction("joy") == "u" and loaded.user_neutral is None


def test_label_blocks_names_each_query() -> None:
    queries = [Query(text=str(i)) for i in range(5)]
    labelled = label_blocks(queries, (("anger", 2), ("neutral", 3)))
    assert [q.emotion for q in labelled] == ["anger", "anger", "neutral", "neutral", "neutral"]
    with pytest.raises(VectorSetError, match="expected 4 queries"):
        label_blocks(queries, (("anger", 4),))


@pytest.mark.skipif(not EMOTION_QUERY_PLUS.exists(), reason="../shared/data/emotionquery is absent")
def test_emotion_query_plus_blocks_fit_the_file() -> None:
    labelled = label_blocks(load_queries(EMOTION_QUERY_PLUS), EMOTION_QUERY_PLUS_BLOCKS)
    assert labelled[0].emotion == "anger" and labelled[249].emotion == "sadness"
    assert labelled[250].emotion == "neutral"
