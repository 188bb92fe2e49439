"""LangChain integration: `ChatEmotive`, a chat model whose emotional tone is steered per call.

Needs `langchain-core` (pip install langchain-core).
"""

from emotive_agents.langchain.chat_models import (
    ChatEmotive,
    EmotiveConfigurableFields,
    UnsupportedMessageError,
)
from emotive_agents.runtime import clear_engine_cache

__all__ = ["ChatEmotive", "EmotiveConfigurableFields", "UnsupportedMessageError", "clear_engine_cache"]
