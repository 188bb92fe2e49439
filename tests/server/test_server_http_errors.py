"""The one error-mapping module: library errors -> HTTP status, stable code, param and headers; the
library's errors carry no HTTP status of their own; a generic 500 hides the internal text."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from emotive_agents import errors
from emotive_agents.server import scheduler
from emotive_agents.server.http_errors import (
    APIError,
    error_body,
    generation_error,
    install_handlers,
    submit_error,
)

REFUSALS = [
    (errors.QueueFullError("full"), 429, "queue_full", "1"),
    (errors.SchedulerClosedError("closed"), 503, "unavailable", "1"),
    (errors.QueueTimeoutError("waited"), 503, "queue_timeout", "1"),
    (errors.RequestTimeoutError("slow"), 504, "timeout", None),
    (errors.RequestCancelledError("gone"), 499, "cancelled", None),
    (errors.ContextLengthError("too long"), 400, "context_length_exceeded", None),
]


@pytest.mark.parametrize(("exc", "status", "code", "retry_after"), REFUSALS)
def test_the_loops_refusals_keep_their_meaning(
    exc: Exception, status: int, code: str, retry_after: str | None
) -> None:
    for mapped in (submit_error(exc), generation_error(exc)):
        assert (mapped.status, mapped.code, mapped.message) == (status, code, str(exc))
        assert mapped.headers.get("Retry-After") == retry_after


def test_a_too_long_prompt_names_the_field_it_came_from() -> None:
    exc = errors.ContextLengthError("prompt plus max tokens exceed the window")
    assert submit_error(exc).param == "messages"
    assert submit_error(exc, input_param="prompt").param == "prompt"


def test_bad_input_at_submit_is_a_400_and_unexpected_errors_a_generic_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unknown = submit_error(errors.UnknownEmotionError("unknown emotion 'glee'"))
    assert (unknown.status, unknown.code, unknown.param) == (400, "unknown_emotion", "emotion")
    assert unknown.message == "emotion: unknown emotion 'glee'"
    invalid = submit_error(errors.GenerationError("the prompt is empty"))
    assert (invalid.status, invalid.code) == (400, "invalid_value")
    with caplog.at_level(logging.ERROR, logger="emotive_agents.server"):
        crashed = submit_error(RuntimeError("secret internal detail"))
        failed = generation_error(errors.GenerationError("secret internal detail"))
    assert (crashed.status, crashed.code) == (500, "internal_error")
    assert (failed.status, failed.code) == (500, "generation_failed")
    for error in (crashed, failed):
        assert "secret" not in error.message and "request id req-" in error.message
        request_id = error.message.rsplit(" ", 1)[-1].rstrip(")")
        assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)


def test_library_errors_carry_no_http_status() -> None:
    for exc, *_ in REFUSALS:
        assert not hasattr(exc, "status") and not hasattr(exc, "code")
    # The scheduler's names are the library's classes: no look-alike shadows asyncio or errors.
    assert scheduler.ContextLengthError is errors.ContextLengthError
    assert scheduler.RequestCancelledError is errors.RequestCancelledError
    assert not hasattr(scheduler, "CancelledError")
    assert issubclass(errors.QueueFullError, errors.SchedulerError)


def test_error_bodies_have_the_openai_shape() -> None:
    error = APIError(429, "slow down", code="queue_full", headers={"Retry-After": "1"})
    assert error.body() == {
        "error": {"message": "slow down", "type": "rate_limit_error", "param": None, "code": "queue_full"}
    }
    assert APIError(404, "gone").code == "not_found"  # a default code per status, never None
    assert APIError(418, "odd").code == "invalid_request" and APIError(502, "bad").code == "internal_error"
    assert error_body(504, "late")["error"]["type"] == "timeout_error"


def _app() -> FastAPI:
    app = FastAPI()
    install_handlers(app)

    @app.get("/v1/refuse")
    @app.get("/api/refuse")
    async def refuse() -> None:
        raise APIError(429, "busy", code="queue_full", headers={"Retry-After": "1"})

    @app.get("/v1/crash")
    @app.get("/api/crash")
    async def crash() -> None:
        raise RuntimeError("secret internal detail")

    return app


def test_handlers_answer_in_the_shape_of_the_api_called() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    openai = client.get("/v1/refuse")
    assert openai.status_code == 429 and openai.headers["retry-after"] == "1"
    assert openai.json()["error"]["code"] == "queue_full"
    ollama = client.get("/api/refuse")
    assert ollama.status_code == 429 and ollama.json() == {"error": "busy"}
    for path in ("/v1/crash", "/api/crash"):
        crashed = client.get(path)
        assert crashed.status_code == 500 and "secret" not in crashed.text
    assert client.get("/v1/crash").json()["error"]["code"] == "internal_error"
    missing = client.get("/v1/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
