"""LangChain's standard integration tests (langchain-tests) for ChatEmotive on the embedded SmolLM2-135M.

The suite runs steered (joy 0.6) with short answers so it stays within a few minutes on two CPU cores.
"""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_tests")

from langchain_tests.integration_tests import ChatModelIntegrationTests

from emotive_agents.langchain import ChatEmotive
from emotive_agents.models.loading import DEFAULT_MODEL, resolve_model_path

pytestmark = pytest.mark.integration


class TestChatEmotiveStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatEmotive]:
        return ChatEmotive

    @property
    def chat_model_params(self) -> dict[str, object]:
        # `vectors` is explicit so that the per-call model override below keeps the shipped set.
        return {"model": DEFAULT_MODEL, "vectors": DEFAULT_MODEL, "emotion": {"joy": 0.6}, "max_tokens": 16}

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
        return True

    @property
    def model_override_value(self) -> str:
        # The only other model available offline: the embedded model's converted local directory, loaded
        # by path as a second engine (a hub id or any local HF directory works the same way).
        return resolve_model_path(DEFAULT_MODEL)
