"""The NAME=INTENSITY text form of an emotion mix: one parser for the CLI's `--emotion` and the chat's
`/emotion` command.

A leaf (it imports only the project's error types), so the CLI can use it without slowing `--help`
and the chat session without importing the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable

from emotive_agents.errors import EmotiveError


class MixTextError(EmotiveError, ValueError):
    """An item that is not NAME=INTENSITY (e.g. `joy` or `joy=lots`)."""


def parse_mix_items(items: Iterable[str]) -> dict[str, float]:
    """`["joy=0.8", "fear=-0.4"]` -> `{"joy": 0.8, "fear": -0.4}`; a later item for a name wins.

    Names are checked against a vector set later, by whoever steers with the mix.
    """
    mix: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            mix[name.strip()] = float(value)
        except ValueError:
            raise MixTextError(f"{item!r}: expected NAME=INTENSITY, e.g. joy=0.8") from None
    return mix


__all__ = ["MixTextError", "parse_mix_items"]
