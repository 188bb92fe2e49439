"""Wire-format models: request validation (errors keep their stable codes), the response / chunk / error
shapes of OpenAI and Ollama, fields left out while None."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from emotive_agents.server.bodies import parse_body
from emotive_agents.server.http_errors import APIError, error_body
from emotive_agents.server.ollama_protocol import OllamaAssistantMessage, OllamaChatChunk, OllamaGenerateChunk
from emotive_agents.server.protocol import (
    AssistantMessage,
    ChatChoice,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatCompletionResponse,
    CompletionChoice,
    CompletionRequest,
    CompletionResponse,
    EmotiveInfo,
    UsageInfo,
)


def test_request_accepts_openai_habits_and_emotive_fields() -> None:
    request = ChatCompletionRequest.model_validate(
        {
            "model": "m",
            "messages": [
                {"role": "developer", "content": "be kind"},
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}],
                },
            ],
            "max_completion_tokens": 5,
            "user": "abc",
            "presence_penalty": 0,
            "emotion": "auto",
            "policy": "support",
        }
    )
    assert request.token_budget == 5
    assert request.messages[1].text() == "hi there"
    assert request.emotion == "auto"


def test_image_parts_are_refused_clearly() -> None:
    message = ChatCompletionRequest.model_validate(
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}
    ).messages[0]
    with pytest.raises(ValueError, match="image_url"):
        message.text()


def test_too_many_stops() -> None:
    with pytest.raises(ValidationError, match="at most 4"):
        ChatCompletionRequest.model_validate(
            {"messages": [{"role": "user", "content": "x"}], "stop": list("abcde")}
        )


def test_shapes() -> None:
    body = ChatCompletionResponse(
        id="chatcmpl-1",
        model="m",
        choices=[ChatChoice(message=AssistantMessage(content="hey"), finish_reason="stop")],
        usage=UsageInfo.of(3, 1),
        emotive=EmotiveInfo(),
    ).model_dump(mode="json")
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "hey"}
    assert body["choices"][0]["logprobs"] is None and body["object"] == "chat.completion"
    usage_chunk = ChatCompletionChunk(id="c", model="m", created=1, usage=UsageInfo.of(3, 1, trimmed=True))
    dumped = usage_chunk.model_dump(mode="json")
    assert dumped["choices"] == [] and dumped["object"] == "chat.completion.chunk"
    assert dumped["usage"]["trimmed"] is True and "emotive" not in dumped
    assert error_body(429, "slow down")["error"]["type"] == "rate_limit_error"
    assert error_body(400, "bad", param="x")["error"] == {
        "message": "bad",
        "type": "invalid_request_error",
        "param": "x",
        "code": None,
    }


def _refused(model: type[BaseModel], body: object) -> APIError:
    with pytest.raises(APIError) as caught:
        parse_body(body, model)
    assert caught.value.status == 400
    return caught.value


CHAT_ERRORS = [
    ({"model": "m"}, "missing_required_parameter", "messages"),
    ({"messages": "hi"}, "invalid_type", "messages"),
    ({"messages": [{"role": "wizard", "content": "x"}]}, "invalid_value", "messages.0.role"),
    ({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "invalid_type", "stream"),
    ({"messages": [{"role": "user", "content": "x"}], "emotion": [1]}, "invalid_emotion", "emotion"),
    ({"messages": [{"role": "user", "content": "x"}], "stop": [""]}, "invalid_value", "stop"),
    ({"messages": [{"role": "user", "content": "x"}], "seed": 2**70}, "invalid_value", "seed"),
    ({"messages": [{"role": "user", "content": "x"}], "n": 2}, "unsupported_parameter", "n"),
    ({"messages": [{"role": "user", "content": "x"}], "tools": [{}]}, "unsupported_parameter", "tools"),
    (
        {"messages": [{"role": "user", "content": "x"}], "logit_bias": {"1": 2}},
        "unsupported_parameter",
        "logit_bias",
    ),
    ([1, 2], "invalid_json", None),
]


@pytest.mark.parametrize(("body", "code", "param"), CHAT_ERRORS)
def test_chat_validation_errors_keep_their_codes(body: object, code: str, param: str | None) -> None:
    error = _refused(ChatCompletionRequest, body)
    assert (error.code, error.param) == (code, param)
    assert "Value error" not in error.message


COMPLETION_ERRORS = [
    ({}, "missing_required_parameter", "prompt"),
    ({"prompt": [1, 2]}, "invalid_type", "prompt"),
    ({"prompt": ["a", "b"]}, "unsupported_parameter", "prompt"),
    ({"prompt": "x", "echo": True}, "unsupported_parameter", "echo"),
    ({"prompt": "x", "logprobs": 2}, "unsupported_parameter", "logprobs"),
    ({"prompt": "x", "suffix": "y"}, "unsupported_parameter", "suffix"),
    ({"prompt": "x", "best_of": 3}, "unsupported_parameter", "best_of"),
    ({"prompt": "x", "max_tokens": 0}, "invalid_value", "max_tokens"),
    ({"prompt": "x", "emotion": "sometimes"}, "invalid_emotion", "emotion"),
]


@pytest.mark.parametrize(("body", "code", "param"), COMPLETION_ERRORS)
def test_completion_validation_errors_keep_their_codes(body: object, code: str, param: str | None) -> None:
    error = _refused(CompletionRequest, body)
    assert (error.code, error.param) == (code, param)


def test_completion_request_accepts_neutral_habits() -> None:
    request = parse_body(
        {
            "prompt": ["Once"],
            "echo": False,
            "best_of": 1,
            "logprobs": None,
            "user": "u",
            "presence_penalty": 0,
        },
        CompletionRequest,
    )
    assert request.text == "Once" and request.token_budget is None and request.budget_param == "max_tokens"


def test_omitted_fields_stay_out_of_the_json() -> None:
    emotive = EmotiveInfo(source="request", mix={"joy": 0.5}).model_dump(mode="json")
    assert set(emotive) == {"source", "mix", "policy", "decision", "escalated"}
    read = EmotiveInfo(reply_reading={"label": "joy"}).model_dump(mode="json")
    assert read["reply_reading"] == {"label": "joy"} and "monitor" not in read
    assert "trimmed" not in UsageInfo.of(1, 2).model_dump(mode="json")
    chunk = CompletionResponse(id="cmpl-1", model="m", created=1, choices=[CompletionChoice(text="a")])
    dumped = chunk.model_dump(mode="json")
    assert "usage" not in dumped and "emotive" not in dumped
    assert dumped["choices"] == [{"index": 0, "text": "a", "finish_reason": None, "logprobs": None}]


def test_ollama_shapes() -> None:
    line = OllamaChatChunk(
        model="m", created_at="t", done=False, message=OllamaAssistantMessage(content="hi")
    ).model_dump(mode="json")
    assert line == {
        "model": "m",
        "created_at": "t",
        "done": False,
        "message": {"role": "assistant", "content": "hi"},
    }
    last = OllamaGenerateChunk(
        model="m", created_at="t", done=True, response="", done_reason="stop", context=[]
    )
    timed = last.with_timings(started=1.0, first_token=1.5, finished=2.0, prompt=3, output=4).model_dump()
    assert timed["prompt_eval_count"] == 3 and timed["eval_count"] == 4 and timed["context"] == []
    assert timed["total_duration"] == 1_000_000_000 and timed["eval_duration"] == 500_000_000
