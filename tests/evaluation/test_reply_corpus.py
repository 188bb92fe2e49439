"""The shipped reply corpus is complete and well formed; the loader refuses malformed rows clearly."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from emotive_agents.evaluation.reply_corpus import (
    CONDITIONS,
    DEFAULT_REPLIES,
    DOMAINS,
    by_condition,
    incomplete_queries,
    load_replies,
)


def test_shipped_corpus_has_every_condition_for_every_query() -> None:
    rows = load_replies(DEFAULT_REPLIES)
    queries = {r.query for r in rows}
    assert len(queries) >= 64
    assert incomplete_queries(rows) == {}
    assert len(rows) == len(queries) * len(CONDITIONS)
    assert all(r.response.strip() and r.domain in DOMAINS for r in rows)
    per_domain = Counter(r.domain for r in rows if r.emotion == "neutral")
    assert set(per_domain) == set(DOMAINS) and min(per_domain.values()) >= 16
    assert set(by_condition(rows)) == set(CONDITIONS)


def test_shipped_replies_are_two_to_four_sentences_and_not_repeated() -> None:
    rows = load_replies(DEFAULT_REPLIES)
    responses = [r.response for r in rows]
    assert len(set(responses)) == len(responses)  # every reply is its own text
    for r in rows:
        text = re.sub(r"\(n\.d\.\)|a\.m\.|p\.m\.", "", r.response)
        assert 2 <= len(re.findall(r"[.!?](?:\s|$)", text)) <= 4, r.response


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"query": "q", "emotion": "smug", "response": "r"}, "must be one of"),
        ({"query": "q", "emotion": "joy", "response": "  "}, "non-empty"),
        ({"query": "q", "emotion": "joy", "response": "r", "domain": "sports"}, "must be one of"),
        ({"query": "q", "emotion": "joy", "response": "r", "tone": "x"}, "Extra inputs"),
        ({"query": "q", "emotion": "joy"}, "response"),
        ("{not json", "malformed reply row"),
    ],
)
def test_loader_refuses_malformed_rows(tmp_path: Path, row: object, message: str) -> None:
    good = {"query": "q", "emotion": "neutral", "response": "Plain."}
    path = _write(tmp_path / "r.jsonl", [good, row])
    with pytest.raises(ValueError, match=message) as info:
        load_replies(path)
    assert "r.jsonl:2" in str(info.value)


def test_loader_accepts_user_rows_without_domain_and_reports_gaps(tmp_path: Path) -> None:
    rows = [
        {"query": "a", "emotion": "neutral", "response": "Plain."},
        {"query": "a", "emotion": "joy", "response": "Yay."},
        {"query": "a", "emotion": "joy", "response": "Yay again."},
    ]
    loaded = load_replies(_write(tmp_path / "r.jsonl", rows))
    assert [r.domain for r in loaded] == [None, None, None]
    gaps = incomplete_queries(loaded, ("neutral", "joy", "anger"))
    assert gaps == {"a": ["missing anger", "repeated joy"]}


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_text("\n")
    with pytest.raises(ValueError, match="no reply rows"):
        load_replies(tmp_path / "e.jsonl")
