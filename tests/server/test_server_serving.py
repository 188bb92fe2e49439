"""The serving layer without HTTP: OpenAIServing and OllamaServing driven directly, the escalation step
swappable, and the routes thin (no pipeline logic in them, none in closures of `create_app`)."""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import subprocess
import sys
from collections.abc import Awaitable, Iterator
from typing import Any

import pytest
from _server_helpers import TINY, tiny_settings

from emotive_agents.engine import EmotiveEngine
from emotive_agents.generation.types import GenerationRequest, SamplingParams, Usage
from emotive_agents.server import routes
from emotive_agents.server.app import create_app
from emotive_agents.server.bodies import parse_chat
from emotive_agents.server.ollama_protocol import OllamaChatChunk, OllamaChatRequest, OllamaGenerateRequest
from emotive_agents.server.protocol import (
    ChatCompletionRequest,
    ChatCompletionResponse,
    CompletionRequest,
    CompletionResponse,
)
from emotive_agents.server.scheduler import Completion, Scheduler
from emotive_agents.server.serving import Stream, Turn
from emotive_agents.server.serving_ollama import OllamaServing
from emotive_agents.server.serving_openai import OpenAIServing
from emotive_agents.server.state import ServerState, build_policies, build_routers


@pytest.fixture(scope="module")
def state(tiny_engine: EmotiveEngine) -> Iterator[ServerState]:
    settings = tiny_settings()
    policies = build_policies(settings, tiny_engine)
    routers = build_routers(settings, tiny_engine, policies) if policies is not None else {}
    scheduler = Scheduler(tiny_engine, max_batch_size=4).start()
    try:
        yield ServerState(settings, tiny_engine, scheduler, policies, routers)
    finally:
        scheduler.stop()


def _chat(content: str = "Hello there", **extra: Any) -> ChatCompletionRequest:
    return parse_chat(
        {"model": TINY, "messages": [{"role": "user", "content": content}], "max_tokens": 8, **extra}
    )


def _streamed(reply: Awaitable[object]) -> list[str | bytes]:
    """Start the stream and read it on one event loop (a handle's events belong to its loop)."""

    async def run() -> list[str | bytes]:
        stream = await reply
        assert isinstance(stream, Stream)
        return [chunk async for chunk in stream.chunks]

    return asyncio.run(run())


def _sse(chunks: list[str | bytes]) -> list[dict[str, Any]]:
    assert chunks[-1] == "data: [DONE]\n\n"
    return [json.loads(str(c).removeprefix("data: ")) for c in chunks[:-1]]


def test_chat_completion_without_http(state: ServerState, tiny_engine: EmotiveEngine) -> None:
    serving = OpenAIServing(state)
    reply = asyncio.run(serving.create_chat_completion(_chat(emotion={"joy": 0.8})))
    assert isinstance(reply, ChatCompletionResponse)
    expected = tiny_engine.generate("Hello there", {"joy": 0.8}, max_new_tokens=8)
    assert reply.choices[0].message.content == expected.text
    assert reply.usage.prompt_tokens == expected.usage.input_tokens and reply.usage.completion_tokens == 8
    assert reply.emotive.source == "request" and reply.emotive.mix == {"joy": 0.8}
    assert reply.emotive.reply_reading is not None


def test_chat_stream_without_http(state: ServerState, tiny_engine: EmotiveEngine) -> None:
    serving = OpenAIServing(state)
    request = _chat("Stream it", emotion={"anger": 0.5}, stream=True, stream_options={"include_usage": True})
    chunks = _sse(_streamed(serving.create_chat_completion(request)))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == tiny_engine.generate("Stream it", {"anger": 0.5}, max_new_tokens=8).text
    assert chunks[0]["emotive"]["mix"] == {"anger": 0.5}
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert set(chunks[-1]["emotive"]["reply_reading"]) == {"label", "probabilities", "valence"}


def test_raw_completion_continues_the_prompt_without_a_template(
    state: ServerState, tiny_engine: EmotiveEngine
) -> None:
    serving = OpenAIServing(state)
    request = CompletionRequest(prompt="Once upon", max_tokens=6, emotion={"joy": 0.5})
    reply = asyncio.run(serving.create_completion(request))
    assert isinstance(reply, CompletionResponse) and reply.object == "text_completion"
    expected = tiny_engine.generate_batch(
        [GenerationRequest(prompt="Once upon", emotion={"joy": 0.5}, params=SamplingParams(max_new_tokens=6))]
    )[0]
    assert reply.choices[0].text == expected.text
    assert reply.usage is not None and reply.usage.prompt_tokens == expected.usage.input_tokens
    assert reply.id.startswith("cmpl-")


def test_ollama_chat_and_load_call_without_http(state: ServerState, tiny_engine: EmotiveEngine) -> None:
    serving = OllamaServing(state)
    request = OllamaChatRequest.model_validate(
        {
            "model": f"{TINY}:latest",
            "stream": False,
            "messages": [{"role": "user", "content": "Hello there"}],
            "options": {"emotion": {"joy": 0.7}, "num_predict": 8},
        }
    )
    reply = asyncio.run(serving.chat(request))
    assert isinstance(reply, OllamaChatChunk) and reply.done and reply.done_reason == "length"
    assert reply.message.content == tiny_engine.generate("Hello there", {"joy": 0.7}, max_new_tokens=8).text
    assert reply.eval_count == 8 and reply.emotive is not None and reply.emotive.mix == {"joy": 0.7}
    loaded = asyncio.run(serving.generate(OllamaGenerateRequest(model=TINY, stream=False)))
    assert loaded.model_dump(mode="json")["done_reason"] == "load"
    assert "emotive" not in loaded.model_dump(mode="json")


class _FixedEscalation(OpenAIServing):
    """A stand-in for a shared turn pipeline: every turn escalates to one message."""

    def escalate(self, turn: Turn) -> Completion | None:
        return Completion("Please call a person you trust.", "stop", Usage(input_tokens=1, output_tokens=2))


def test_the_escalation_step_is_one_swappable_method(state: ServerState) -> None:
    serving = _FixedEscalation(state)
    submitted = state.scheduler.snapshot().submitted
    reply = asyncio.run(serving.create_chat_completion(_chat()))
    assert isinstance(reply, ChatCompletionResponse)
    assert reply.choices[0].message.content == "Please call a person you trust."
    assert reply.choices[0].finish_reason == "stop" and reply.usage.total_tokens == 3
    chunks = _sse(_streamed(serving.create_chat_completion(_chat(stream=True))))
    assert (
        "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
        == "Please call a person you trust."
    )
    assert state.scheduler.snapshot().submitted == submitted  # nothing reached the decode loop


def test_a_crisis_turn_escalates_through_the_policy(state: ServerState) -> None:
    serving = OpenAIServing(state)
    request = _chat("I want to end my life tonight, I have the pills here.", emotion="auto", policy="health")
    reply = asyncio.run(serving.create_chat_completion(request))
    assert isinstance(reply, ChatCompletionResponse)
    assert reply.emotive.escalated is True and reply.choices[0].finish_reason == "stop"
    assert reply.emotive.reply_reading is None  # the safe message is not a model reply to monitor


# -- routes stay thin ---------------------------------------------------------------------------------------


def _route_functions() -> list[ast.AsyncFunctionDef | ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(routes))
    return [
        node
        for node in tree.body
        if isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef))
        and any(
            isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("get", "post")
            for d in node.decorator_list
        )
    ]


def test_routes_only_read_validate_and_hand_over() -> None:
    functions = _route_functions()
    assert len(functions) >= 11
    for function in functions:
        body = [
            s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        ]
        assert len(body) <= 4, function.name
        for node in ast.walk(function):
            assert not isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With)), function.name


def test_create_app_defines_no_route_closures(tiny_engine: EmotiveEngine) -> None:
    app = create_app(tiny_settings(), engine=tiny_engine)
    flat = []
    for route in app.routes:  # FastAPI wraps an included router; look inside it
        inner = getattr(route, "original_router", None)
        flat += list(inner.routes) if inner is not None else [route]
    endpoints = [r.endpoint for r in flat if hasattr(r, "endpoint") and hasattr(r, "methods")]
    assert endpoints and all(e.__module__ == routes.__name__ for e in endpoints)
    assert all("<locals>" not in e.__qualname__ for e in endpoints)


def test_importing_the_app_does_not_import_torch() -> None:
    code = (
        "import sys, emotive_agents.server.app, emotive_agents.server.ray; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False False"
