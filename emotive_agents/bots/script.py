"""Scripted conversations: the user's side of a chat, read from a text or JSONL file.

Text files hold one user turn per line (blank lines and lines starting with `#` are skipped); JSONL files
hold one `{"user": "..."}` object per line. In both, a line may also be a chat command such as
`/emotion joy=0.5`, `/emotion auto` or `/reset`, which the session applies before the next turn.
"""

from __future__ import annotations

import json
from pathlib import Path

from emotive_agents.errors import EmotiveError


class ScriptError(EmotiveError, ValueError):
    """A script file that cannot be read or has a malformed line."""


def parse_script(text: str, *, source: str = "<script>", jsonl: bool | None = None) -> list[str]:
    """The user lines of a script; `jsonl=None` decides per line (a line starting with `{` is JSON)."""
    lines: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or (line.startswith("#") and not jsonl):
            continue
        as_json = jsonl if jsonl is not None else line.startswith("{")
        if not as_json:
            lines.append(line)
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ScriptError(f"{source}:{number}: not valid JSON ({exc})") from None
        if not isinstance(row, dict) or not isinstance(row.get("user"), str) or not row["user"].strip():
            raise ScriptError(f'{source}:{number}: each JSONL line needs a non-empty "user" string')
        lines.append(row["user"].strip())
    if not lines:
        raise ScriptError(f"{source} holds no user turns")
    return lines


def load_script(path: str | Path) -> list[str]:
    """Read a script file (`.jsonl` is JSON per line; anything else is text, one turn per line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScriptError(f"cannot read script {path}: {exc}") from None
    return parse_script(text, source=str(path), jsonl=True if path.suffix == ".jsonl" else None)
