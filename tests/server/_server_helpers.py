"""Helpers shared by the server tests (importable as a module, unlike conftest)."""

from __future__ import annotations

import logging
from typing import Any

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


class LogCapture(logging.Handler):
    """Collects the server's log records (uvicorn's loggers do not propagate to pytest's caplog)."""

    LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "emotive_agents", "fastapi", "starlette")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> LogCapture:
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)

    def tracebacks(self) -> list[str]:
        """Records that carry a traceback, or whose text shows one."""
        out = []
        for record in self.records:
            text = record.getMessage()
            if record.exc_info or "Traceback" in text:
                out.append(f"{record.name}: {text}")
        return out


def assert_openai_error(response: Any, status: int, code: str, param: str | None = "-") -> dict[str, Any]:
    """The OpenAI error shape with a stable string code (and `param`, unless "-" = do not check)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}, error
    assert isinstance(error["message"], str) and error["message"]
    assert error["type"] in ("invalid_request_error", "rate_limit_error", "server_error", "timeout_error")
    assert error["code"] == code, error
    assert "Value error" not in error["message"] and "Traceback" not in error["message"]
    if param != "-":
        assert error["param"] == param, error
    return error
