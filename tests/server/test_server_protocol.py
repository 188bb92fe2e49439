"""Wire-format helpers: request parsing and the OpenAI response / chunk / error shapes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from emotive_agents.server.protocol import ChatCompletionRequest, chunk_json, completion_json, error_body


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
    body = completion_json(
        id="chatcmpl-1",
        model="m",
        text="hey",
        finish_reason="stop",
        prompt_tokens=3,
        completion_tokens=1,
        emotive={},
    )
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "hey"}
    usage_chunk = chunk_json(id="c", model="m", created=1, usage=body["usage"])
    assert usage_chunk["choices"] == [] and usage_chunk["object"] == "chat.completion.chunk"
    assert error_body(429, "slow down")["error"]["type"] == "rate_limit_error"
    assert error_body(400, "bad", param="x")["error"] == {
        "message": "bad",
        "type": "invalid_request_error",
        "param": "x",
        "code": None,
    }
