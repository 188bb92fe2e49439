"""Reply readings on the OpenAI API (response and final stream chunk) and the server's closed loop."""

from __future__ import annotations

import json

import httpx
from _planted import PlantedReader
from _server_helpers import chat_body, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.monitor.reading import register_reply_reader
from emotive_agents.server.app import create_app
from emotive_agents.server.runner import ServerThread

KEYS = {"label", "probabilities", "valence"}


def _chunks(client: httpx.Client, body: dict) -> list[dict]:
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        data = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    return [json.loads(d) for d in data[:-1]]


def test_reply_reading_in_response_and_final_chunk(client: httpx.Client) -> None:
    body = client.post("/v1/chat/completions", json=chat_body(emotion={"joy": 0.5})).json()
    assert set(body["emotive"]["reply_reading"]) == KEYS
    chunks = _chunks(client, chat_body(stream=True, stream_options={"include_usage": True}))
    finish = next(c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"])
    assert set(finish["emotive"]["reply_reading"]) == KEYS
    assert set(chunks[-1]["emotive"]["reply_reading"]) == KEYS and chunks[-1]["usage"]
    off = client.post("/v1/chat/completions", json=chat_body(monitor="off")).json()
    assert "reply_reading" not in off["emotive"]


def test_retry_on_a_planted_bad_reply(tiny_engine: EmotiveEngine) -> None:
    register_reply_reader("planted-server", PlantedReader(bad="anger", name="planted-server"))
    app = create_app(tiny_settings(reply_reader="planted-server"), engine=tiny_engine)
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        body = client.post(
            "/v1/chat/completions", json=chat_body(emotion={"joy": 0.6}, monitor="retry")
        ).json()
        monitor = body["emotive"]["monitor"]
        assert monitor["retried"] and len(monitor["attempts"]) == 2  # still angry: no third attempt
        retry_mix = monitor["attempts"][1]["mix"]
        assert retry_mix.get("anger", 0) < 0
        text = body["choices"][0]["message"]["content"]
        assert text == monitor["attempts"][monitor["chosen"]]["text"]
        assert text == tiny_engine.generate("Hello there", retry_mix, max_new_tokens=8).text
        chunks = _chunks(client, chat_body(emotion={"joy": 0.6}, monitor="retry", stream=True))
        assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == text
        assert chunks[-1]["emotive"]["monitor"]["retried"]
        # Routed mixes: the retry's mix passes the policy's guard rails (total within its cap).
        routed = client.post(
            "/v1/chat/completions", json=chat_body("I am so scared", emotion="auto", monitor="retry")
        ).json()
        for attempt in routed["emotive"]["monitor"]["attempts"]:
            assert sum(abs(v) for v in attempt["mix"].values()) <= 1.0 + 1e-6
            assert all(attempt["mix"].get(e, 0) <= 0 for e in ("anger", "disgust", "fear", "sadness"))
