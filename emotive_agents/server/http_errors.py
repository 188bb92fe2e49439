"""Every HTTP status the server answers is chosen here, from the error's kind; no engine error carries one.

`APIError` is what the serving layer raises: a status, a message a client can act on, a stable `code`,
the request field at fault (`param`) and headers (`Retry-After`). `submit_error` and `generation_error`
map the library's exceptions (emotive_agents.errors) onto it: refusals of the decode loop keep their
meaning (429 queue full, 503 closed, 504 timeout, 499 cancelled), a bad request is a 400, anything
unexpected a generic 500 whose request id is logged with the traceback, never the internal text.
`install_handlers` answers them in OpenAI's shape, or in Ollama's (`{"error": ...}`) under /api/.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from emotive_agents.errors import (
    ContextLengthError,
    EmotiveError,
    QueueFullError,
    QueueTimeoutError,
    RequestCancelledError,
    RequestTimeoutError,
    SchedulerClosedError,
    UnknownEmotionError,
)
from emotive_agents.server.protocol import ErrorInfo, ErrorResponse

if TYPE_CHECKING:  # the web framework is imported only by the app (security.py and the CLI need none)
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

logger = logging.getLogger("emotive_agents.server")
OLLAMA_PREFIX = "/api/"

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
    499: "invalid_request_error",
    500: "server_error",
    503: "server_error",
    504: "timeout_error",
}
# The stable `code` of an error that has no more specific one, by status.
DEFAULT_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    499: "cancelled",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}
# The decode loop's refusals: (status, code, param; "input" = the prompt's field). Subclasses first.
ENGINE_ERRORS: tuple[tuple[type[EmotiveError], int, str, str | None], ...] = (
    (QueueFullError, 429, "queue_full", None),
    (SchedulerClosedError, 503, "unavailable", None),
    (QueueTimeoutError, 503, "queue_timeout", None),
    (RequestTimeoutError, 504, "timeout", None),
    (RequestCancelledError, 499, "cancelled", None),
    (ContextLengthError, 400, "context_length_exceeded", "input"),
)
RETRY_LATER = frozenset({429, 503})  # statuses answered with `Retry-After`


def default_code(status: int) -> str:
    return DEFAULT_CODES.get(status, "internal_error" if status >= 500 else "invalid_request")


def error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def error_body(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """OpenAI's error shape: {"error": {message, type, param, code}} (`code` as given, even None)."""
    info = ErrorInfo(message=message, type=error_type(status), param=param, code=code)
    return ErrorResponse(error=info).model_dump()


class APIError(Exception):
    """An error the server answers with `status` and an OpenAI-style body (Ollama's under /api/)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or default_code(status)
        self.param = param
        self.headers = headers or {}

    def response(self) -> ErrorResponse:
        info = ErrorInfo(message=self.message, type=error_type(self.status), param=self.param, code=self.code)
        return ErrorResponse(error=info)

    def body(self) -> dict[str, Any]:
        return self.response().model_dump()


def internal_error(exc: BaseException, code: str = "internal_error") -> APIError:
    """A generic 500: the traceback goes to the log under a request id, the client gets only the id."""
    request_id = f"req-{uuid.uuid4().hex[:16]}"
    logger.error("request %s failed: %s", request_id, type(exc).__name__, exc_info=exc)
    return APIError(500, f"internal server error (request id {request_id})", code=code)


def _engine_error(exc: BaseException, input_param: str | None) -> APIError | None:
    for kind, status, code, param in ENGINE_ERRORS:
        if isinstance(exc, kind):
            headers = {"Retry-After": "1"} if status in RETRY_LATER else None
            where = input_param if param == "input" else None
            return APIError(status, str(exc), code=code, param=where, headers=headers)
    return None


def submit_error(exc: BaseException, input_param: str = "messages") -> APIError:
    """An error raised while a request is accepted (checked, encoded, queued): the client's to fix, or
    the loop's refusal. Anything that is not the library's own error is unexpected (500).

    `input_param` names the request field a too-long prompt came from (`messages` or `prompt`)."""
    mapped = _engine_error(exc, input_param)
    if mapped is not None:
        return mapped
    if isinstance(exc, UnknownEmotionError):
        return APIError(400, f"emotion: {exc}", param="emotion", code="unknown_emotion")
    if isinstance(exc, EmotiveError):
        return APIError(400, str(exc), code="invalid_value")
    return internal_error(exc)


def generation_error(exc: BaseException) -> APIError:
    """An error a running request ended with: the loop's refusals keep their status, the rest is a 500."""
    mapped = _engine_error(exc, None)
    return mapped if mapped is not None else internal_error(exc, code="generation_failed")


def _is_ollama(request: Request) -> bool:
    return request.url.path.startswith(OLLAMA_PREFIX)


def error_response(request: Request, error: APIError) -> JSONResponse:
    """The answer to `error`, in the shape of the API the request called."""
    from fastapi.responses import JSONResponse

    body = {"error": error.message} if _is_ollama(request) else error.body()
    return JSONResponse(body, status_code=error.status, headers=error.headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (unknown route 404, wrong method 405) with a stable code."""
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert isinstance(exc, StarletteHTTPException)
    error = APIError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
    return error_response(request, error)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return error_response(request, internal_error(exc))


def install_handlers(app: FastAPI) -> None:
    """Answer APIError, Starlette's HTTP errors and anything unexpected (a generic 500) on `app`."""
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
