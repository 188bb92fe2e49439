"""The Ollama API with the real `ollama` client (and ChatOllama) against the live loopback server."""

from __future__ import annotations

import json

import httpx
import pytest
from _server_helpers import TINY

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.runner import ServerThread

ollama = pytest.importorskip("ollama")

READING_KEYS = {"label", "probabilities", "valence"}
HI = [{"role": "user", "content": "Hello there"}]


def _client(server: ServerThread):
    return ollama.Client(host=server.url)


def _raw(server: ServerThread, route: str, **body: object) -> dict:
    """The JSON body itself: the ollama client's models drop fields it does not know, like `emotive`."""
    response = httpx.post(f"{server.url}{route}", json={"model": TINY, "stream": False, **body}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def _ndjson(server: ServerThread, route: str, **body: object) -> list[dict]:
    with httpx.stream("POST", f"{server.url}{route}", json={"model": TINY, **body}, timeout=60) as response:
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.iter_lines() if line]


def test_list_show_version(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    client = _client(server)
    models = client.list().models
    assert [m.model for m in models] == [TINY]
    assert models[0].details is not None and models[0].details.family == "llama"
    shown = client.show(f"{TINY}:latest")
    assert shown.modelinfo is not None and shown.modelinfo["llama.context_length"] == 256
    assert httpx.get(f"{server.url}/api/version").json()["version"]
    with pytest.raises(ollama.ResponseError) as caught:
        client.show("nope")
    assert caught.value.status_code == 404


def test_chat_with_a_mix_equals_the_engine(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    response = _client(server).chat(
        model=TINY,
        messages=HI,
        options={"emotion": {"joy": 0.7}, "num_predict": 8, "temperature": 0},
    )
    expected = tiny_engine.generate("Hello there", {"joy": 0.7}, max_new_tokens=8)
    assert response.message.content == expected.text
    assert response.done and response.done_reason == "length"
    assert response.eval_count == 8 and response.prompt_eval_count == expected.usage.input_tokens
    body = _raw(server, "/api/chat", messages=HI, options={"emotion": {"joy": 0.7}, "num_predict": 8})
    assert body["message"]["content"] == expected.text
    emotive = body["emotive"]
    assert emotive["mix"] == {"joy": 0.7} and set(emotive["reply_reading"]) == READING_KEYS


def test_chat_streaming(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    parts = list(
        _client(server).chat(
            model=f"{TINY}:latest",
            messages=[{"role": "system", "content": "Be brief."}, *HI],
            options={"emotion": {"anger": 0.4}, "num_predict": 8, "seed": 3, "top_k": 0},
            stream=True,
        )
    )
    text = "".join(p.message.content for p in parts)
    messages = [{"role": "system", "content": "Be brief."}, *HI]
    assert text == tiny_engine.generate(messages, {"anger": 0.4}, max_new_tokens=8).text
    assert [p.done for p in parts].count(True) == 1 and parts[-1].done
    lines = _ndjson(server, "/api/chat", messages=HI, options={"emotion": {"anger": 0.4}, "num_predict": 8})
    assert all(not line["done"] for line in lines[:-1]) and lines[-1]["done"]
    assert set(lines[-1]["emotive"]["reply_reading"]) == READING_KEYS
    generated = _ndjson(server, "/api/generate", prompt="Hi", options={"num_predict": 4})
    assert (
        "".join(line["response"] for line in generated) == tiny_engine.generate("Hi", max_new_tokens=4).text
    )
    assert set(generated[-1]["emotive"]["reply_reading"]) == READING_KEYS


def test_generate_and_sampling_options(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    client = _client(server)
    response = client.generate(
        model=TINY, prompt="Hello there", system="Be kind.", options={"num_predict": 6}
    )
    messages = [{"role": "system", "content": "Be kind."}, *HI]
    assert response.response == tiny_engine.generate(messages, max_new_tokens=6).text
    streamed = "".join(
        p.response for p in client.generate(model=TINY, prompt="Hi", stream=True, options={"num_predict": 6})
    )
    assert streamed == tiny_engine.generate("Hi", max_new_tokens=6).text
    seeded = {"num_predict": 8, "temperature": 1.0, "top_p": 0.9, "seed": 7, "stop": ["zz"]}
    first = client.generate(model=TINY, prompt="Hi", options=seeded).response
    assert first == client.generate(model=TINY, prompt="Hi", options=seeded).response
    penalised = client.generate(model=TINY, prompt="Hi", options={"num_predict": 20, "repeat_penalty": 1.5})
    assert penalised.response == tiny_engine.generate("Hi", max_new_tokens=20, repetition_penalty=1.5).text
    loaded = client.generate(model=TINY, prompt="")
    assert loaded.done and loaded.done_reason == "load"


def test_auto_routing_through_options(server: ServerThread) -> None:
    angry = [{"role": "user", "content": "This is the third time my order is late, I am furious!"}]
    body = _raw(server, "/api/chat", messages=angry, options={"emotion": "auto", "policy": "support"})
    emotive = body["emotive"]
    assert emotive["source"] == "router" and emotive["policy"] == "support"
    assert emotive["decision"]["label"]


def test_errors_in_ollama_shape(server: ServerThread) -> None:
    client = _client(server)
    cases = [
        ({"model": "nope", "messages": HI}, 404, "does not exist"),
        ({"model": TINY, "messages": HI, "options": {"emotion": {"glee": 1}}}, 400, "unknown emotion"),
        ({"model": TINY, "messages": HI, "options": {"num_predict": 10_000}}, 400, "at most"),
        ({"model": TINY, "messages": HI, "options": {"emotion": "auto", "policy": "nope"}}, 400, "nope"),
        ({"model": TINY, "messages": HI, "format": "json"}, 400, "format"),
        ({"model": TINY, "messages": [{"role": "user", "content": "x", "images": ["aGk="]}]}, 400, "images"),
    ]
    for body, status, text in cases:
        raw = httpx.post(f"{server.url}/api/chat", json={**body, "stream": False})
        assert raw.status_code == status, body
        assert set(raw.json()) == {"error"} and text in raw.json()["error"]
    bad_json = httpx.post(
        f"{server.url}/api/generate", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat(model=TINY, messages=HI, options={"emotion": {"glee": 1}})
    assert caught.value.status_code == 400 and "unknown emotion" in caught.value.error
    with pytest.raises(ollama.ResponseError):  # a stream answers errors before its first line too
        list(client.chat(model=TINY, messages=HI, options={"emotion": {"joy": 99}}, stream=True))


def test_monitor_retry_is_recorded(server: ServerThread) -> None:
    options = {"emotion": {"joy": 0.5}, "num_predict": 8, "monitor": "retry"}
    body = _raw(server, "/api/chat", messages=HI, options=options)
    monitor = body["emotive"]["monitor"]
    assert monitor["mode"] == "retry" and 1 <= len(monitor["attempts"]) <= 2
    assert body["message"]["content"] == monitor["attempts"][monitor["chosen"]]["text"]
    lines = _ndjson(server, "/api/chat", messages=HI, options=options)  # buffered, then sent
    assert "".join(line["message"]["content"] for line in lines) == body["message"]["content"]


def test_chat_ollama_langchain(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    chat_ollama = pytest.importorskip("langchain_ollama")
    model = chat_ollama.ChatOllama(
        model=TINY, base_url=server.url, num_predict=8, temperature=0, reasoning=None
    )
    bound = model.bind(options={"emotion": {"joy": 0.7}, "num_predict": 8})
    reply = bound.invoke("Hello there")
    assert reply.content == tiny_engine.generate("Hello there", {"joy": 0.7}, max_new_tokens=8).text
    streamed = "".join(str(c.content) for c in model.stream("Hello there"))
    assert streamed == tiny_engine.generate("Hello there", max_new_tokens=8).text
