"""POST /v1/completions over HTTP: a raw prompt continued as it is, streamed or whole, steered like chat."""

from __future__ import annotations

import json

import httpx
from _server_helpers import TINY, assert_openai_error

from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.types import GenerationRequest, SamplingParams


def _expected(
    engine: EmotiveEngine, prompt: str, mix: dict[str, float] | None = None, tokens: int = 6
) -> str:
    request = GenerationRequest(
        prompt=prompt, emotion=mix or {}, params=SamplingParams(max_new_tokens=tokens)
    )
    return engine.generate_batch([request])[0].text


def test_completion_whole_body(client: httpx.Client, tiny_engine: EmotiveEngine) -> None:
    body = {"model": TINY, "prompt": "Once upon", "max_tokens": 6, "emotion": {"joy": 0.5}}
    response = client.post("/v1/completions", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["object"] == "text_completion" and data["id"].startswith("cmpl-")
    choice = data["choices"][0]
    assert choice["text"] == _expected(tiny_engine, "Once upon", {"joy": 0.5})
    assert choice["finish_reason"] == "length" and choice["logprobs"] is None
    assert data["usage"]["completion_tokens"] == 6
    assert data["emotive"]["mix"] == {"joy": 0.5} and "reply_reading" in data["emotive"]


def test_completion_stream(client: httpx.Client, tiny_engine: EmotiveEngine) -> None:
    body = {"prompt": "Once upon", "max_tokens": 6, "stream": True, "stream_options": {"include_usage": True}}
    with client.stream("POST", "/v1/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "text_completion" for c in chunks)
    assert "emotive" in chunks[0]
    assert "".join(c["choices"][0]["text"] for c in chunks if c["choices"]) == _expected(
        tiny_engine, "Once upon"
    )
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 6


def test_completion_refusals(client: httpx.Client) -> None:
    assert_openai_error(client.post("/v1/completions", json={"prompt": "  "}), 400, "invalid_value", "prompt")
    assert_openai_error(
        client.post("/v1/completions", json={"prompt": "x", "echo": True}),
        400,
        "unsupported_parameter",
        "echo",
    )
    assert_openai_error(
        client.post("/v1/completions", json={"prompt": "x" * 400, "max_tokens": 8}),
        400,
        "context_length_exceeded",
        "prompt",
    )
    assert_openai_error(
        client.post("/v1/completions", json={"model": "nope", "prompt": "x"}), 404, "model_not_found", "model"
    )
    routed = client.post(
        "/v1/completions", json={"prompt": "I am furious!", "emotion": "auto", "max_tokens": 4}
    )
    assert routed.status_code == 200 and routed.json()["emotive"]["source"] == "router"
