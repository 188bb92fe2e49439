"""Helpers shared by the server tests (importable as a module, unlike conftest)."""

from __future__ import annotations

from _tiny import SlowForward

from emotive_agents.server.settings import ServerSettings

TINY = "tiny-llama"


def tiny_settings(**overrides: object) -> ServerSettings:
    """Settings for the tiny engine: the fast lexical affect reader, small limits."""
    values: dict[str, object] = {
        "model": TINY,
        "router_classifier": "vader",
        "reply_reader": "vader",
        "max_batch_size": 8,
        "max_queue": 16,
        "request_timeout_s": 60.0,
        "max_tokens_limit": 64,
        "default_max_tokens": 8,
        "max_body_bytes": 64 * 1024,
    }
    values.update(overrides)
    return ServerSettings(**values)  # type: ignore[arg-type]


def chat_body(content: str = "Hello there", **extra: object) -> dict[str, object]:
    return {"model": TINY, "messages": [{"role": "user", "content": content}], "max_tokens": 8, **extra}


Slow = SlowForward  # sleeps in every forward pass, so a test can catch generation mid-way
