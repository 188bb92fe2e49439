"""LangChain's standard unit tests (langchain-tests) for ChatEmotive; they never load a model."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_tests")

from langchain_tests.unit_tests import ChatModelUnitTests

from emotive_agents.langchain import ChatEmotive


class TestChatEmotiveStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatEmotive]:
        return ChatEmotive

    @property
    def chat_model_params(self) -> dict[str, object]:
        return {"model": "smollm2-135m", "emotion": {"joy": 0.6}}

    @property
    def has_tool_calling(self) -> bool:
        return False  # a 135M model cannot call tools reliably; bind_tools is deliberately absent

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True  # `invoke(..., model=...)` serves the call with that model's (cached) engine
