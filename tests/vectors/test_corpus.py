"""The reply corpus loader: valid files load, malformed rows fail with the file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.corpus import load_replies, parse_replies, split_queries


def _lines(*rows: object) -> list[str]:
    return [row if isinstance(row, str) else json.dumps(row) for row in rows]


GOOD = (
    {"query": "q1", "emotion": "neutral", "response": "Plain answer."},
    {"query": "q1", "emotion": "joy", "response": "Happy answer!", "domain": "everyday"},
    {"query": "q2", "emotion": "neutral", "response": "Another plain one."},
    {"query": "q2", "emotion": "anger", "response": "Annoyed answer."},
)


def test_a_valid_corpus_loads(tmp_path: Path) -> None:
    path = tmp_path / "replies.jsonl"
    path.write_text("\n".join(_lines(*GOOD)) + "\n\n")
    corpus = load_replies(path)
    assert corpus.queries == ["q1", "q2"]
    assert corpus.emotions == ["joy", "anger"]
    assert [r.response for r in corpus.replies("neutral")] == ["Plain answer.", "Another plain one."]
    assert corpus.subset(["q2"]).emotions == ["anger"]
    assert len(corpus.digest()) == 32


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", r"replies:5: not valid JSON"),
        ('["a list"]', r"replies:5: each line must be a JSON object"),
        ({"query": "q3", "emotion": "joy"}, r"replies:5: missing field\(s\) response"),
        ({"query": "q1", "emotion": "joy", "response": "   "}, r"replies:5: 'response' is empty"),
        ({"query": "q1", "emotion": "joy", "response": 3}, r"replies:5: 'response' must be a string"),
        ({"query": "q1", "emotion": "Big Joy", "response": "x"}, r"replies:5: emotion name"),
        ({"query": "q3", "emotion": "fear", "response": "Scared."}, r'no "neutral" reply.*q3'),
    ],
)
def test_malformed_rows_are_refused_with_a_clear_error(bad: object, message: str) -> None:
    with pytest.raises(VectorSetError, match=message):
        parse_replies(_lines(*GOOD, bad), "replies")


def test_empty_and_neutral_only_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(VectorSetError, match="holds no replies"):
        parse_replies(["", "  "], "empty")
    with pytest.raises(VectorSetError, match="only neutral replies"):
        parse_replies(_lines(GOOD[0]), "plain")
    with pytest.raises(VectorSetError, match="does not exist"):
        load_replies(tmp_path / "missing.jsonl")


def test_missing_emotions_are_named() -> None:
    corpus = parse_replies(_lines(*GOOD), "replies")
    with pytest.raises(VectorSetError, match="no replies for: fear"):
        corpus.require(["joy", "fear"])


def test_split_is_seeded_disjoint_and_order_independent() -> None:
    queries = [f"query {i}" for i in range(40)]
    train, held = split_queries(queries, 0.25, seed=3)
    assert len(held) == 10 and not set(train) & set(held) and set(train) | set(held) == set(queries)
    _, again_held = split_queries(list(reversed(queries)), 0.25, seed=3)
    assert set(again_held) == set(held)
    assert set(split_queries(queries, 0.25, seed=4)[1]) != set(held)
    assert split_queries(queries, 0.0) == (queries, [])
