"""Real OpenAI-compatible clients against the live server: openai, LangChain, LlamaIndex."""

from __future__ import annotations

import pytest
from _server_helpers import TINY

from emotive_agents.engine import EmotiveEngine
from emotive_agents.server.runner import ServerThread

openai = pytest.importorskip("openai")


def _client(server: ServerThread):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def test_openai_client_sync(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    client = _client(server)
    assert [m.id for m in client.models.list()] == [TINY]
    completion = client.chat.completions.create(
        model=TINY,
        messages=[{"role": "user", "content": "Hello there"}],
        max_tokens=8,
        temperature=0,
        extra_body={"emotion": {"joy": 0.7}},
    )
    assert (
        completion.choices[0].message.content
        == tiny_engine.generate("Hello there", {"joy": 0.7}, max_new_tokens=8).text
    )
    assert completion.usage is not None and completion.usage.completion_tokens == 8
    extra = completion.model_extra or {}
    assert extra["emotive"]["mix"] == {"joy": 0.7}


def test_openai_client_streaming_with_usage(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    client = _client(server)
    stream = client.chat.completions.create(
        model=TINY,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Stream it"}],
        max_tokens=8,
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"emotion": {"anger": 0.4, "sadness": 0.2}},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Stream it"}]
    assert text == tiny_engine.generate(messages, {"anger": 0.4, "sadness": 0.2}, max_new_tokens=8).text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 8
    assert (chunks[0].model_extra or {})["emotive"]["source"] == "request"


def test_openai_client_completions(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    from emotive_agents.generation.types import GenerationRequest, SamplingParams

    request = GenerationRequest(
        prompt="Once upon", emotion={"joy": 0.5}, params=SamplingParams(max_new_tokens=6)
    )
    expected = tiny_engine.generate_batch([request])[0].text
    client = _client(server)
    whole = client.completions.create(
        model=TINY, prompt="Once upon", max_tokens=6, extra_body={"emotion": {"joy": 0.5}}
    )
    assert whole.choices[0].text == expected and (whole.model_extra or {})["emotive"]["mix"] == {"joy": 0.5}
    stream = client.completions.create(
        model=TINY, prompt="Once upon", max_tokens=6, stream=True, extra_body={"emotion": {"joy": 0.5}}
    )
    assert "".join(c.choices[0].text for c in stream if c.choices) == expected


def test_openai_client_sees_errors(server: ServerThread) -> None:
    client = _client(server)
    with pytest.raises(openai.BadRequestError, match="unknown emotion"):
        client.chat.completions.create(
            model=TINY, messages=[{"role": "user", "content": "x"}], extra_body={"emotion": {"glee": 1}}
        )
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_langchain_chat_openai(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    lc_openai = pytest.importorskip("langchain_openai")
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    model = lc_openai.ChatOpenAI(
        model=TINY,
        base_url=f"{server.url}/v1",
        api_key="unused",
        temperature=0,
        max_tokens=8,
        max_retries=0,
        extra_body={"emotion": {"joy": 0.5}},
    )
    chain = ChatPromptTemplate.from_messages([("human", "{question}")]) | model | StrOutputParser()
    expected = tiny_engine.generate("Hello there", {"joy": 0.5}, max_new_tokens=8).text
    assert chain.invoke({"question": "Hello there"}) == expected
    assert "".join(chain.stream({"question": "Hello there"})) == expected


def test_llama_index_openai_like(server: ServerThread, tiny_engine: EmotiveEngine) -> None:
    openai_like = pytest.importorskip("llama_index.llms.openai_like")
    from llama_index.core.llms import ChatMessage

    llm = openai_like.OpenAILike(
        model=TINY,
        api_base=f"{server.url}/v1",
        api_key="unused",
        is_chat_model=True,
        temperature=0,
        max_tokens=8,
        max_retries=0,
        additional_kwargs={"extra_body": {"emotion": {"sadness": 0.5}}},
    )
    expected = tiny_engine.generate("Hello there", {"sadness": 0.5}, max_new_tokens=8).text
    response = llm.chat([ChatMessage(role="user", content="Hello there")])
    assert response.message.content == expected
    streamed = "".join(
        r.delta or "" for r in llm.stream_chat([ChatMessage(role="user", content="Hello there")])
    )
    assert streamed == expected
