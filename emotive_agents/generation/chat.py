"""Chat messages and prompt rendering, re-exported from `emotive_agents.chat` (a leaf every layer may use)."""

from emotive_agents.chat import (
    ChatMessage,
    MessagesLike,
    Role,
    merge_consecutive,
    normalize_messages,
    render_prompt,
)

__all__ = ["ChatMessage", "MessagesLike", "Role", "merge_consecutive", "normalize_messages", "render_prompt"]
