"""The reply corpus loader: valid files load, malformed rows fail with the file, line and reason."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.corpus import (
    CONDITIONS,
    DEFAULT_REPLIES,
    DOMAINS,
    by_condition,
    incomplete_queries,
    load_replies,
    parse_replies,
    split_queries,
)


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
        ({"query": "q1", "emotion": "joy", "response": "x", "domain": "sports"}, r"replies:5: 'domain' must"),
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


def test_shipped_corpus_has_every_condition_for_every_query() -> None:
    corpus = load_replies(DEFAULT_REPLIES)
    rows = corpus.rows
    assert len(corpus.queries) >= 64
    assert incomplete_queries(rows) == {}
    assert len(rows) == len(corpus.queries) * len(CONDITIONS)
    assert all(r.domain in DOMAINS for r in rows)
    per_domain = Counter(r.domain for r in rows if r.emotion == "neutral")
    assert set(per_domain) == set(DOMAINS) and min(per_domain.values()) >= 16
    assert set(by_condition(rows)) == set(CONDITIONS)


def test_shipped_replies_are_two_to_four_sentences_and_not_repeated() -> None:
    responses = [r.response for r in load_replies(DEFAULT_REPLIES).rows]
    assert len(set(responses)) == len(responses)  # every reply is its own text
    for response in responses:
        text = re.sub(r"\(n\.d\.\)|a\.m\.|p\.m\.", "", response)
        assert 2 <= len(re.findall(r"[.!?](?:\s|$)", text)) <= 4, response


def test_user_rows_without_domain_load_and_gaps_are_reported() -> None:
    corpus = parse_replies(_lines(*GOOD, {"query": "q2", "emotion": "anger", "response": "Again."}), "r")
    assert [r.domain for r in corpus.rows] == [None, "everyday", None, None, None]
    gaps = incomplete_queries(corpus.rows, ("neutral", "joy", "anger"))
    assert gaps == {"q1": ["missing anger"], "q2": ["missing joy", "repeated anger"]}


def test_digest_ignores_the_domain_tag() -> None:
    tagged = parse_replies(_lines(*GOOD), "r")
    plain = parse_replies(_lines(*({k: v for k, v in row.items() if k != "domain"} for row in GOOD)), "r")
    assert tagged.digest() == plain.digest()
