"""Drive a ChatSession from a terminal (interactive) or from a script (transcript or JSON lines).

Both take their input and output streams as arguments, so tests drive them with StringIO and the CLI
with the real terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from emotive_agents.bots.session import ChatSession, CommandError, TurnRecord, reply_status, status_line


def _write(out: TextIO, text: str) -> None:
    out.write(text)
    out.flush()


def _header(session: ChatSession, out: TextIO) -> None:
    spec = session.spec
    model = session.engine.model_name
    _write(out, f"{spec.title} ({spec.domain}) on {model}, router policy {spec.policy!r}\n")
    if spec.disclaimer:
        _write(out, f"NOTE: {spec.disclaimer}\n")


def run_interactive(session: ChatSession, stdin: TextIO, out: TextIO, *, prompt: str = "you> ") -> int:
    """A terminal chat: streams each reply after a status line; `/help` lists the commands.

    Ends on `/quit` or end of input; returns the number of answered turns.
    """
    _header(session, out)
    _write(out, "type a message, or /help for commands\n")
    turns = 0
    while True:
        _write(out, prompt)
        line = stdin.readline()
        if not line:  # end of input
            _write(out, "\n")
            break
        line = line.strip()
        if not line:
            continue
        if session.is_command(line):
            try:
                outcome = session.command(line)
            except CommandError as exc:
                _write(out, f"! {exc}\n")
                continue
            _write(out, f"* {outcome.message}\n")
            if outcome.quit:
                break
            continue

        def show_status(record: TurnRecord) -> None:
            _write(out, f"{status_line(record)}\nbot> ")

        record = session.respond(line, on_decision=show_status, on_token=lambda piece: _write(out, piece))
        _write(out, "\n")
        if reply_status(record):
            _write(out, f"{reply_status(record)}\n")
        turns += 1
    return turns


def run_script(
    session: ChatSession, lines: Iterable[str], out: TextIO, *, as_json: bool = False
) -> list[TurnRecord]:
    """Play a scripted conversation; commands in the script (`/emotion ...`) apply to the next turns.

    Text mode prints a transcript with each decision (and streams replies); JSON mode prints one
    `{"user", "reply", "decision"}` object per answered turn and nothing else.
    """
    records: list[TurnRecord] = []
    if not as_json:
        _header(session, out)
    for line in lines:
        if session.is_command(line):
            outcome = session.command(line)  # a bad command in a script is an error, not a prompt
            if not as_json:
                _write(out, f"* {line}: {outcome.message}\n")
            if outcome.quit:
                break
            continue
        if as_json:
            record = session.respond(line)
            _write(out, json.dumps(record.to_json(), ensure_ascii=False) + "\n")
        else:
            _write(out, f"\nuser: {line}\n")
            record = session.respond(
                line,
                on_decision=lambda r: _write(out, f"{status_line(r, rationale=True)}\nbot:  "),
                on_token=lambda piece: _write(out, piece),
            )
            _write(out, "\n")
            if reply_status(record):
                _write(out, f"{reply_status(record)}\n")
        records.append(record)
    return records
