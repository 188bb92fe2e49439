"""The HTTP API: OpenAI wire format, per-request emotion, routing, errors with the right status, load."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from _server_helpers import TINY, Slow, chat_body, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.router import load_policy
from emotive_agents.server.app import create_app
from emotive_agents.server.runner import ServerThread
from emotive_agents.server.scheduler import SchedulerError


def _sse(lines: list[str]) -> list[dict]:
    data = [line[6:] for line in lines if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    return [json.loads(d) for d in data[:-1]]


def test_health_and_models(client: httpx.Client, tiny_engine: EmotiveEngine) -> None:
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    models = client.get("/v1/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == [TINY]
    assert set(models["data"][0]["emotions"]) == set(tiny_engine.emotions)
    config = client.get("/v1/emotions").json()
    assert "base" not in config["emotions"]
    assert "support" in config["policies"]


def test_completion_applies_the_requested_mix(client: httpx.Client, tiny_engine: EmotiveEngine) -> None:
    response = client.post("/v1/chat/completions", json=chat_body("Hello there", emotion={"joy": 0.8}))
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "length"
    expected = tiny_engine.generate("Hello there", {"joy": 0.8}, max_new_tokens=8)
    assert choice["message"]["content"] == expected.text
    assert body["usage"] == {
        "prompt_tokens": expected.usage.input_tokens,
        "completion_tokens": 8,
        "total_tokens": expected.usage.input_tokens + 8,
    }
    assert body["emotive"]["source"] == "request"
    assert body["emotive"]["mix"] == {"joy": 0.8}
    unsteered = client.post("/v1/chat/completions", json=chat_body("Hello there")).json()
    assert unsteered["emotive"]["source"] == "none"
    assert unsteered["choices"][0]["message"]["content"] != choice["message"]["content"]


def test_streaming_chunks_and_final_usage(client: httpx.Client, tiny_engine: EmotiveEngine) -> None:
    body = chat_body("Stream it", emotion={"anger": 0.5}, stream=True, stream_options={"include_usage": True})
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        chunks = _sse(list(response.iter_lines()))
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[0]["emotive"]["mix"] == {"anger": 0.5}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == tiny_engine.generate("Stream it", {"anger": 0.5}, max_new_tokens=8).text
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 8
    without = chat_body("Stream it", stream=True)
    with client.stream("POST", "/v1/chat/completions", json=without) as response:
        assert all("usage" not in c for c in _sse(list(response.iter_lines())))


def test_auto_emotion_uses_the_router(client: httpx.Client) -> None:
    body = chat_body(
        "I am furious, this is the third time my order is late!", emotion="auto", policy="support"
    )
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    emotive = response.json()["emotive"]
    assert emotive["source"] == "router"
    assert emotive["policy"] == "support"
    decision = emotive["decision"]
    assert set(decision) >= {"reading", "label", "crisis", "mix", "rationale"}
    assert len(decision["reading"]) == 7
    assert emotive["mix"] == decision["mix"]


def test_crisis_escalates_without_generating(client: httpx.Client, tiny_engine: EmotiveEngine) -> None:
    policy = load_policy("health")
    assert policy.escalates, "precondition: the health policy escalates crises"
    message = "I want to kill myself tonight."
    for stream in (False, True):
        body = chat_body(message, emotion="auto", policy="health", stream=stream)
        if stream:
            with client.stream("POST", "/v1/chat/completions", json=body) as response:
                chunks = _sse(list(response.iter_lines()))
            emotive = chunks[0]["emotive"]
            text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
            finish = chunks[-1]["choices"][0]["finish_reason"]
        else:
            data = client.post("/v1/chat/completions", json=body).json()
            emotive, finish = data["emotive"], data["choices"][0]["finish_reason"]
            text = data["choices"][0]["message"]["content"]
        assert emotive["decision"]["crisis"] is True
        assert emotive["escalated"] is True
        assert finish == "stop"
        assert text == policy.escalation.message()  # the safe message, not the model's words


def test_manual_mix_with_a_reading(client: httpx.Client) -> None:
    body = chat_body("I am so happy today!", emotion={"sadness": 0.3}, emotive_reading=True)
    emotive = client.post("/v1/chat/completions", json=body).json()["emotive"]
    assert emotive["source"] == "request"
    assert emotive["mix"] == {"sadness": 0.3}
    assert emotive["decision"]["label"]


@pytest.mark.parametrize(
    ("body", "status", "param", "fragment"),
    [
        (b"{not json", 400, None, "not valid JSON"),
        (b"[1, 2]", 400, None, "JSON object"),
        ({"model": TINY, "messages": []}, 400, "messages", "at least one"),
        ({"model": TINY}, 400, "messages", "Field required"),
        (chat_body(emotion={"glee": 0.5}), 400, "emotion", "unknown emotion 'glee'"),
        (chat_body(emotion={"joy": 9.0}), 400, "emotion", "allowed range"),
        (chat_body(emotion="sometimes"), 400, "emotion", None),
        (chat_body("x" * 400), 400, "messages", "context window"),
        ({**chat_body(), "model": "gpt-4o"}, 404, "model", "does not exist"),
        (chat_body(max_tokens=10_000), 400, "max_tokens", "at most 64"),
        (chat_body(max_tokens=0), 400, "max_tokens", None),
        (chat_body(n=2), 400, "n", "n=1"),
        (chat_body(temperature=7), 400, "temperature", None),
        ({"model": TINY, "messages": [{"role": "user", "content": "   "}]}, 400, "messages", "non-empty"),
        ({"model": TINY, "messages": [{"role": "wizard", "content": "x"}]}, 400, "messages.0.role", None),
        (chat_body(policy="nope", emotion="auto"), 400, "policy", "nope"),
    ],
)
def test_bad_requests_get_openai_errors(client: httpx.Client, body, status, param, fragment) -> None:
    if isinstance(body, bytes):
        response = client.post(
            "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    if fragment:
        assert fragment in error["message"]
    assert client.post("/v1/chat/completions", json=chat_body()).status_code == 200  # still serving


def test_oversized_body_is_refused(client: httpx.Client) -> None:
    huge = chat_body("y" * (100 * 1024))
    response = client.post("/v1/chat/completions", json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_unknown_route_is_an_openai_error(client: httpx.Client) -> None:
    response = client.get("/v1/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Not Found"


def test_overload_answers_429_and_keeps_serving(tiny_engine: EmotiveEngine) -> None:
    settings = tiny_settings(max_batch_size=1, max_queue=1, max_tokens_limit=64)
    app = create_app(settings, engine=tiny_engine)
    with Slow(tiny_engine, delay=0.02), ServerThread(app) as server:
        statuses: list[int] = []
        lock = threading.Lock()

        def call() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                status = http.post("/v1/chat/completions", json=chat_body(max_tokens=30)).status_code
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses).count(200) >= 2
        assert 429 in statuses
        scheduler = app.state.server.scheduler
        long = tiny_engine.request("fill", max_new_tokens=60)
        held = [scheduler.submit(long), scheduler.submit(long)]  # one running, one queued: full
        with httpx.Client(base_url=server.url, timeout=60) as http:
            refused = http.post("/v1/chat/completions", json=chat_body())
            assert refused.status_code == 429
            assert refused.json()["error"]["type"] == "rate_limit_error"
            assert "capacity" in refused.json()["error"]["message"]
            assert refused.headers["retry-after"] == "1"
            for handle in held:
                handle.cancel()
            for handle in held:
                with pytest.raises(SchedulerError, match="cancelled"):
                    handle.result(timeout=10)
            assert http.post("/v1/chat/completions", json=chat_body()).status_code == 200


def test_stopped_scheduler_answers_503(tiny_engine: EmotiveEngine) -> None:
    app = create_app(tiny_settings(), engine=tiny_engine)
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        app.state.server.scheduler.stop()
        response = http.post("/v1/chat/completions", json=chat_body())
        assert response.status_code == 503
        assert response.json()["error"]["type"] == "server_error"
        assert http.get("/health").status_code == 503


def test_request_timeout_answers_504(tiny_engine: EmotiveEngine) -> None:
    app = create_app(tiny_settings(request_timeout_s=0.3), engine=tiny_engine)
    with Slow(tiny_engine, delay=0.02), ServerThread(app) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            response = http.post("/v1/chat/completions", json=chat_body(max_tokens=60))
        assert response.status_code == 504
        assert response.json()["error"]["code"] == "timeout"


def test_client_disconnect_cancels_the_row(tiny_engine: EmotiveEngine) -> None:
    app = create_app(tiny_settings(max_tokens_limit=200), engine=tiny_engine)
    with Slow(tiny_engine, delay=0.02), ServerThread(app) as server:
        scheduler = app.state.server.scheduler
        with httpx.Client(base_url=server.url, timeout=30) as http:
            body = chat_body(max_tokens=200, stream=True)
            with http.stream("POST", "/v1/chat/completions", json=body) as response:
                lines = response.iter_lines()
                for _ in range(3):
                    next(lines)
            # non-streaming: the client gives up after a short timeout
            with pytest.raises(httpx.ReadTimeout):
                http.post("/v1/chat/completions", json=chat_body(max_tokens=200), timeout=0.3)
        deadline = time.monotonic() + 10
        while scheduler.snapshot().cancelled < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        stats = scheduler.snapshot()
    assert stats.cancelled == 2
    assert stats.active == 0
    assert stats.completed == 0


def test_soak_many_clients_mixed_traffic(tiny_engine: EmotiveEngine) -> None:
    """A bounded soak: 6 clients x 10 requests, streaming and not, good and bad; all answered correctly."""
    app = create_app(tiny_settings(max_batch_size=4, max_queue=32), engine=tiny_engine)
    mixes = [{"joy": 0.5}, {"anger": 0.5}, {}, {"sadness": 0.4, "joy": 0.2}]
    expected = {i: tiny_engine.generate(f"soak {i}", mixes[i], max_new_tokens=6).text for i in range(4)}
    failures: list[str] = []
    with Slow(tiny_engine, delay=0.002), ServerThread(app) as server:

        def worker(w: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                for k in range(10):
                    i = (w + k) % 4
                    body = chat_body(f"soak {i}", emotion=mixes[i], max_tokens=6)
                    if k % 5 == 4:  # a bad request now and then
                        bad = http.post("/v1/chat/completions", json={**body, "emotion": {"nope": 1}})
                        if bad.status_code != 400:
                            failures.append(f"bad request got {bad.status_code}")
                        continue
                    if k % 2:
                        with http.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
                            chunks = _sse(list(r.iter_lines()))
                        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
                    else:
                        text = http.post("/v1/chat/completions", json=body).json()["choices"][0]["message"][
                            "content"
                        ]
                    if text != expected[i]:
                        failures.append(f"worker {w} request {k}: {text!r} != {expected[i]!r}")

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = app.state.server.scheduler.snapshot()
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/health").json()["status"] == "ok"
    assert failures == []
    assert stats.completed == 6 * 8
    assert stats.failed == 0
    assert stats.max_batch >= 2
