"""Request bodies: read within the size limit, parse JSON, refuse what later layers could choke on.

Every refusal is an `APIError` 4xx with a stable `code` and, where one field is at fault, its `param`
(the dotted path, e.g. `messages.0.content`). Nothing here echoes more than a short cut of a value.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from emotive_agents.server.http_errors import APIError
from emotive_agents.server.protocol import ChatCompletionRequest, SteeredRequest

M = TypeVar("M", bound=BaseModel)

MAX_JSON_DEPTH = 32  # a chat request needs 4; deeper bodies are refused before any model sees them

_TYPE_ERRORS = ("_type", "_parsing")
_UNION_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict"})


async def read_json(request: Request, limit: int) -> Any:
    """The parsed body: 413 past `limit` bytes, 400 for invalid JSON, too-deep nesting or bad Unicode."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise APIError(413, f"request body is larger than {limit} bytes", code="body_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise APIError(413, f"request body is larger than {limit} bytes", code="body_too_large")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise APIError(400, "the request body is empty; send a JSON object", code="invalid_json")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise APIError(
            400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels", code="json_too_deep"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise APIError(
            400, f"request body is not valid JSON: {_json_reason(exc)}", code="invalid_json"
        ) from None
    check_json(body)
    return body


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "the bytes are not UTF-8" if isinstance(exc, UnicodeDecodeError) else "cannot parse it"


def check_json(body: Any) -> None:
    """Walk the parsed body (iteratively): nesting depth and strings that are not valid Unicode."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise APIError(400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels", code="json_too_deep")
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path)
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, str(i))) for i, item in enumerate(value))


def _check_text(text: str, path: tuple[str, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        param = ".".join(path) or None
        raise APIError(
            400,
            "a string holds a lone UTF-16 surrogate (e.g. \\ud800), which is not valid Unicode text",
            code="invalid_unicode",
            param=param,
        ) from None


def parse_body(body: Any, model: type[M]) -> M:
    """Validate a JSON body into a request model; the first error names its field and has a stable
    code. An OpenAI request whose values this server cannot honour is a 400 `unsupported_parameter`."""
    if not isinstance(body, dict):
        raise APIError(400, "request body must be a JSON object", code="invalid_json")
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        raise validation_error(exc) from None
    refused = parsed.unsupported() if isinstance(parsed, SteeredRequest) else None
    if refused is not None:
        param, message = refused
        raise APIError(400, message, param=param, code="unsupported_parameter")
    return parsed


def parse_chat(body: Any) -> ChatCompletionRequest:
    """A /v1/chat/completions body (also what an Ollama request is translated to)."""
    return parse_body(body, ChatCompletionRequest)


def validation_error(exc: ValidationError, prefix: tuple[str, ...] = ()) -> APIError:
    """An APIError from pydantic's first error: `param` is the field path, `code` its kind."""
    first = exc.errors(include_url=False, include_input=False)[0]
    parts = list(prefix)
    for part in first["loc"]:  # stop at pydantic's union-member tags such as "str" or "dict[str,float]"
        if not (isinstance(part, int) or str(part).isidentifier()) or part in _UNION_TAGS:
            break
        parts.append(str(part))
    param = ".".join(parts) or None
    message = str(first["msg"]).removeprefix("Value error, ")
    kind = str(first["type"])
    code = (
        "missing_required_parameter"
        if kind == "missing"
        else "invalid_type"
        if kind.endswith(_TYPE_ERRORS)
        else "invalid_value"
    )
    if param == "emotion":
        message = 'must be a mix like {"joy": 0.6} (emotion name to intensity) or "auto"'
        code = "invalid_emotion"
    elif param == "stop" and "non-empty" not in message:
        message = "must be a string or a list of up to 4 non-empty strings"
    return APIError(400, f"{param}: {message}" if param else message, param=param, code=code)
