"""Hypothesis fuzz of chat-completion bodies: whatever arrives, never a 5xx and never a traceback.

Bodies mix the real field names with arbitrary JSON values (and arbitrary keys), so most are invalid in
some field and some are valid requests that generate; both must end cleanly. Bounded: a fixed number of
examples against one live loopback server with the tiny engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _server_helpers import TINY, LogCapture, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.app import create_app
from emotive_agents.server.runner import ServerThread

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FIELDS = (
    "model",
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "top_k",
    "seed",
    "stop",
    "stream",
    "stream_options",
    "n",
    "logprobs",
    "response_format",
    "tools",
    "emotion",
    "policy",
    "emotive_reading",
)
EMOTION_NAMES = ("joy", "anger", "sadness", "base", "happiness", "Joy", "", "calm")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant", "system", "developer", "tool", "x"]) | json_values},
        optional={"content": st.text(max_size=30) | json_values, "name": json_values},
    ),
    max_size=3,
)
emotions = (
    st.dictionaries(
        st.sampled_from(EMOTION_NAMES), st.floats(allow_nan=True, allow_infinity=True), max_size=3
    )
    | st.just("auto")
    | json_values
)
field_values = {
    "model": st.just(TINY) | json_values,
    "messages": messages | json_values,
    "max_tokens": st.integers(min_value=-2, max_value=100) | json_values,
    "emotion": emotions,
    "policy": st.sampled_from(["support", "health", "/etc/passwd", "../x.yaml"]) | json_values,
    "stream": st.booleans() | json_values,
}
bodies = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=10),
    json_values,
    max_size=6,
).flatmap(
    lambda base: st.fixed_dictionaries(
        {},
        optional=field_values,
    ).map(lambda chosen: {**base, **chosen})
)


@pytest.fixture(scope="module")
def fuzzed(tiny_engine: EmotiveEngine) -> Iterator[tuple[ServerThread, LogCapture]]:
    app = create_app(tiny_settings(max_tokens_limit=16, default_max_tokens=4), engine=tiny_engine)
    with LogCapture() as logs, ServerThread(app) as server:
        yield server, logs


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and error["code"], error
        assert "Traceback" not in error["message"]


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_fuzzed_bodies_never_5xx(fuzzed: tuple[ServerThread, LogCapture], body: dict[str, Any]) -> None:
    server, logs = fuzzed
    raw = json.dumps(body, allow_nan=True).encode()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
        )
    if response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream"):
        events = [line for line in response.text.splitlines() if line.startswith("data: ")]
        assert events[-1] == "data: [DONE]"
    else:
        _check(response)
    assert logs.tracebacks() == []


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzzed_bytes_never_5xx(fuzzed: tuple[ServerThread, LogCapture], raw: bytes) -> None:
    server, logs = fuzzed
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
        )
    _check(response)
    assert logs.tracebacks() == []
