"""Script files: text (one turn per line) and JSONL, with commands and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from emotive_agents.bots import ScriptError, load_script, parse_script


def test_text_scripts_skip_blank_and_comment_lines() -> None:
    text = "# a comment\n\nHello there\n  /emotion joy=0.5  \nBye\n"
    assert parse_script(text) == ["Hello there", "/emotion joy=0.5", "Bye"]


def test_jsonl_scripts_read_the_user_field(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text('{"user": "Hi"}\n\n{"user": " My order is late. "}\n', encoding="utf-8")
    assert load_script(path) == ["Hi", "My order is late."]


def test_text_files_may_mix_in_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text('Hi\n{"user": "second"}\n', encoding="utf-8")
    assert load_script(path) == ["Hi", "second"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"user": 3}\n', 'needs a non-empty "user"'),
        ('{"prompt": "x"}\n', 'needs a non-empty "user"'),
        ("{not json\n", "not valid JSON"),
        ("# only a comment\n\n", "holds no user turns"),
    ],
)
def test_malformed_scripts_say_where(text: str, message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        parse_script(text, source="chat.txt")


def test_malformed_jsonl_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text('{"user": "ok"}\n{"user": ""}\n', encoding="utf-8")
    with pytest.raises(ScriptError, match=r"chat.jsonl:2"):
        load_script(path)


def test_missing_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot read script"):
        load_script(tmp_path / "nope.txt")
