"""The abuse table: every bad input of the security review gets a clear 4xx, never a 5xx or a traceback.

Each row is one hostile-but-fair request against a live loopback server (tiny engine): its status, the
OpenAI error shape, the stable `code` and `param`; after each, a normal request must still succeed.
Rows in ODD_BUT_VALID are inputs that once failed with a 500 and must now simply be served.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from _server_helpers import TINY, LogCapture, assert_openai_error, chat_body, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.app import create_app
from emotive_agents.server.runner import ServerThread

PATH = "/v1/chat/completions"
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Case:
    """One request: a JSON body (dict) or raw bytes, optional method/path/headers, and the answer."""

    name: str
    body: Any = None
    status: int = 400
    code: str = "invalid_request"
    param: str | None = "-"  # "-": not checked
    method: str = "POST"
    path: str = PATH
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))


def _raw(text: str) -> bytes:
    return text.encode()


DEEP = b"[" * 200_000 + b"]" * 200_000
NESTED_40 = "[" * 40 + "]" * 40

CASES = [
    # -- the body itself --------------------------------------------------------------------------
    Case("not json", b"{not json", code="invalid_json", param=None),
    Case("json array", b"[1, 2]", code="invalid_json", param=None),
    Case("empty body", b"", code="invalid_json", param=None),
    Case("invalid utf-8", b'{"messages": "\xff\xfe"}', code="invalid_json", param=None),
    Case("nested 200k deep", DEEP, code="json_too_deep", param=None),
    Case(
        "nested 40 deep",
        _raw(
            f'{{"model": "{TINY}", "messages": [{{"role": "user", "content": "x"}}], "extra": {NESTED_40}}}'
        ),
        code="json_too_deep",
        param=None,
    ),
    Case(
        "lone surrogate in content",
        _raw('{"messages": [{"role": "user", "content": "hi \\ud800 there"}]}'),
        code="invalid_unicode",
        param="messages.0.content",
    ),
    Case(
        "lone surrogate in a key", _raw('{"\\udfff": 1, "messages": []}'), code="invalid_unicode", param=None
    ),
    Case(
        "text/plain body",
        json.dumps(chat_body()).encode(),
        status=415,
        code="unsupported_media_type",
        headers={"content-type": "text/plain"},
    ),
    Case(
        "form body",
        b"messages=hi",
        status=415,
        code="unsupported_media_type",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Case(
        "no content type",
        json.dumps(chat_body()).encode(),
        status=415,
        code="unsupported_media_type",
        headers={},
    ),
    Case("body over the limit", chat_body("y" * (1100 * 1024)), status=413, code="body_too_large"),
    # -- fields -----------------------------------------------------------------------------------
    Case("no messages", {"model": TINY}, code="missing_required_parameter", param="messages"),
    Case("empty messages", {"model": TINY, "messages": []}, code="invalid_value", param="messages"),
    Case("messages not a list", {"messages": "hi"}, code="invalid_type", param="messages"),
    Case(
        "unknown role",
        {"messages": [{"role": "wizard", "content": "x"}]},
        code="invalid_value",
        param="messages.0.role",
    ),
    Case(
        "tool role",
        {"messages": [{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}]},
        code="unsupported_value",
        param="messages.1.role",
    ),
    Case(
        "image part",
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        code="unsupported_value",
        param="messages.0.content",
    ),
    Case(
        "blank user turn",
        {"messages": [{"role": "user", "content": "   "}]},
        code="invalid_value",
        param="messages",
    ),
    Case("prompt over the context", chat_body("x" * 400), code="context_length_exceeded", param="messages"),
    Case("seed 2**70", chat_body(seed=2**70), code="invalid_value", param="seed"),
    Case("seed -2**70", chat_body(seed=-(2**70)), code="invalid_value", param="seed"),
    Case("seed as text", chat_body(seed="x"), code="invalid_type", param="seed"),
    Case("max_tokens 0", chat_body(max_tokens=0), code="invalid_value", param="max_tokens"),
    Case(
        "max_tokens over the cap",
        chat_body(max_tokens=10_000),
        code="max_tokens_exceeded",
        param="max_tokens",
    ),
    Case(
        "max_completion_tokens over the cap",
        {**chat_body(), "max_tokens": None, "max_completion_tokens": 999},
        code="max_tokens_exceeded",
        param="max_completion_tokens",
    ),
    Case("temperature 7", chat_body(temperature=7), code="invalid_value", param="temperature"),
    Case(
        "temperature NaN",
        _raw(json.dumps(chat_body(temperature=float("nan")))),
        code="invalid_value",
        param="temperature",
    ),
    Case("top_p 0", chat_body(top_p=0), code="invalid_value", param="top_p"),
    Case("stop empty string", chat_body(stop=[""]), code="invalid_value", param="stop"),
    Case("stop five", chat_body(stop=list("abcde")), code="invalid_value", param="stop"),
    Case("stop a number", chat_body(stop=5), code="invalid_type", param="stop"),
    Case("stream 'yes'", chat_body(stream="yes"), code="invalid_type", param="stream"),
    Case("stream 1", chat_body(stream=1), code="invalid_type", param="stream"),
    Case(
        "include_usage 'true'",
        chat_body(stream=True, stream_options={"include_usage": "true"}),
        code="invalid_type",
        param="stream_options.include_usage",
    ),
    Case(
        "emotive_reading 'yes'",
        chat_body(emotion={"joy": 0.2}, emotive_reading="yes"),
        code="invalid_type",
        param="emotive_reading",
    ),
    Case("n 2", chat_body(n=2), code="unsupported_parameter", param="n"),
    Case("logprobs", chat_body(logprobs=True), code="unsupported_parameter", param="logprobs"),
    Case("top_logprobs", chat_body(top_logprobs=3), code="unsupported_parameter", param="top_logprobs"),
    Case(
        "json mode",
        chat_body(response_format={"type": "json_object"}),
        code="unsupported_parameter",
        param="response_format",
    ),
    Case(
        "tools",
        chat_body(tools=[{"type": "function", "function": {"name": "f"}}]),
        code="unsupported_parameter",
        param="tools",
    ),
    Case("tool_choice", chat_body(tool_choice="required"), code="unsupported_parameter", param="tool_choice"),
    Case("functions", chat_body(functions=[{"name": "f"}]), code="unsupported_parameter", param="functions"),
    Case("logit_bias", chat_body(logit_bias={"42": 5}), code="unsupported_parameter", param="logit_bias"),
    Case(
        "unknown model", {**chat_body(), "model": "gpt-4o"}, status=404, code="model_not_found", param="model"
    ),
    Case("model name 1000 chars", {**chat_body(), "model": "m" * 1000}, code="invalid_value", param="model"),
    # -- emotion ----------------------------------------------------------------------------------
    Case("unknown emotion", chat_body(emotion={"glee": 0.5}), code="unknown_emotion", param="emotion"),
    Case(
        "unknown emotion at 0", chat_body(emotion={"happiness": 0}), code="unknown_emotion", param="emotion"
    ),
    Case(
        "unknown among zeros",
        chat_body(emotion={"joy": 0, "happiness": 0.0}),
        code="unknown_emotion",
        param="emotion",
    ),
    Case("intensity 9", chat_body(emotion={"joy": 9.0}), code="invalid_emotion", param="emotion"),
    Case("intensity -1e308", chat_body(emotion={"joy": -1e308}), code="invalid_emotion", param="emotion"),
    Case(
        "intensity NaN",
        _raw(json.dumps(chat_body(emotion={"joy": float("nan")}))),
        code="invalid_emotion",
        param="emotion",
    ),
    Case(
        "intensity Infinity",
        _raw(json.dumps(chat_body(emotion={"joy": float("inf")}))),
        code="invalid_emotion",
        param="emotion",
    ),
    Case("bad emotion name", chat_body(emotion={"Joy!": 0.5}), code="invalid_emotion", param="emotion"),
    Case(
        "emotion neither mix nor auto",
        chat_body(emotion="sometimes"),
        code="invalid_emotion",
        param="emotion",
    ),
    Case("emotion a list", chat_body(emotion=["joy"]), code="invalid_emotion", param="emotion"),
    # -- policy: a name only, never a path --------------------------------------------------------
    Case(
        "policy unknown name", chat_body(policy="nope", emotion="auto"), code="invalid_policy", param="policy"
    ),
    Case(
        "policy absolute path",
        chat_body(policy="/etc/passwd", emotion="auto"),
        code="invalid_policy",
        param="policy",
    ),
    Case(
        "policy relative path",
        chat_body(policy="../../../etc/hostname", emotion="auto"),
        code="invalid_policy",
        param="policy",
    ),
    Case(
        "policy shipped file path",
        chat_body(policy="emotive_agents/data/policies/support.yaml", emotion="auto"),
        code="invalid_policy",
        param="policy",
    ),
    Case(
        "policy with reading",
        chat_body(policy="/etc/hosts", emotion={"joy": 0.2}, emotive_reading=True),
        code="invalid_policy",
        param="policy",
    ),
    Case(
        "policy unused still checked", chat_body(policy="/etc/passwd"), code="invalid_policy", param="policy"
    ),
    Case(
        "policy 300 chars", chat_body(policy="p" * 300, emotion="auto"), code="invalid_value", param="policy"
    ),
    Case(
        "policy not a string",
        chat_body(policy=["support"], emotion="auto"),
        code="invalid_type",
        param="policy",
    ),
    # -- routes -----------------------------------------------------------------------------------
    Case("GET on chat", method="GET", status=405, code="method_not_allowed", param=None, headers={}),
    Case(
        "unknown route",
        method="GET",
        path="/v1/nothing",
        status=404,
        code="not_found",
        param=None,
        headers={},
    ),
    Case("docs off", method="GET", path="/docs", status=404, code="not_found", param=None, headers={}),
    Case(
        "openapi off",
        method="GET",
        path="/openapi.json",
        status=404,
        code="not_found",
        param=None,
        headers={},
    ),
    Case(
        "foreign Host",
        chat_body(),
        status=403,
        code="invalid_host",
        param=None,
        headers={**JSON, "host": "evil.example:8000"},
    ),
    Case(
        "foreign Origin",
        chat_body(),
        status=403,
        code="forbidden_origin",
        param=None,
        headers={**JSON, "origin": "http://evil.example"},
    ),
    Case(
        "null Origin",
        chat_body(),
        status=403,
        code="forbidden_origin",
        param=None,
        headers={**JSON, "origin": "null"},
    ),
]

ODD_BUT_VALID = [
    ("intensity 1e-46 (rounds to 0 in float32)", chat_body(emotion={"joy": 1e-46})),
    ("subnormal mix of two", chat_body(emotion={"joy": 1e-40, "anger": -1e-45})),
    ("NUL character", chat_body("a\u0000b")),
    ("emoji and RTL", chat_body("héllo 👋 שלום")),
    ("response_format text", chat_body(response_format={"type": "text"})),
    ("neutral habits", chat_body(logprobs=False, tools=[], tool_choice="none", user="u", presence_penalty=0)),
    ("seed at int64 max", chat_body(seed=2**63 - 1, temperature=0.7)),
    ("shipped policy by name", chat_body(policy="health")),
    ("neutral zero mix", chat_body(emotion={"joy": 0})),
]


@pytest.fixture(scope="module")
def guarded(tiny_engine: EmotiveEngine) -> Iterator[tuple[ServerThread, LogCapture]]:
    with (
        LogCapture() as logs,
        ServerThread(create_app(tiny_settings(max_body_bytes=1_000_000), engine=tiny_engine)) as server,
    ):
        yield server, logs


def _send(http: httpx.Client, case: Case) -> httpx.Response:
    kwargs: dict[str, Any] = {"headers": case.headers}
    if isinstance(case.body, bytes):
        kwargs["content"] = case.body
    elif case.body is not None:
        kwargs["content"] = json.dumps(case.body).encode()
    return http.request(case.method, case.path, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_clear_4xx(guarded: tuple[ServerThread, LogCapture], case: Case) -> None:
    server, logs = guarded
    before = len(logs.records)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = _send(http, case)
        error = assert_openai_error(response, case.status, case.code, case.param)
        assert len(error["message"]) < 400  # never an echo of the body
        if case.status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        normal = http.post(PATH, json=chat_body())
        assert normal.status_code == 200, normal.text
    assert [r for r in logs.records[before:] if r.levelname in ("ERROR", "CRITICAL")] == []
    assert logs.tracebacks() == []


@pytest.mark.parametrize(("name", "body"), ODD_BUT_VALID, ids=[n for n, _ in ODD_BUT_VALID])
def test_odd_but_valid_input_is_served(
    guarded: tuple[ServerThread, LogCapture], name: str, body: dict
) -> None:
    server, logs = guarded
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(PATH, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["finish_reason"] in ("stop", "length")
    assert logs.tracebacks() == []


def test_errors_never_echo_the_body(guarded: tuple[ServerThread, LogCapture]) -> None:
    """A long marker in a bad field is cut to a short quote in the message."""
    server, _ = guarded
    marker = "SECRET-" + "z" * 200
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for body in ({**chat_body(), "model": marker[:250]}, chat_body(policy=marker[:250], emotion="auto")):
            message = http.post(PATH, json=body).json()["error"]["message"]
            assert marker[:100] not in message


def test_an_internal_error_is_generic_and_logged_with_a_request_id(tiny_engine: EmotiveEngine) -> None:
    """A bug inside the request path answers 500 `internal_error` without its text; the log has both."""
    app = create_app(tiny_settings(), engine=tiny_engine)
    with LogCapture() as logs, ServerThread(app) as server:
        state = app.state.server

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("secret internal detail /srv/keys")

        state.scheduler.submit = broken  # the app calls it after validation
        with httpx.Client(base_url=server.url, timeout=60) as http:
            response = http.post(PATH, json=chat_body())
    error = assert_openai_error(response, 500, "internal_error", None)
    assert "secret" not in error["message"] and "RuntimeError" not in error["message"]
    request_id = error["message"].split("request id ")[1].rstrip(")")
    logged = [r for r in logs.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the operator gets the traceback, under the id
