"""LlamaIndex integration: `EmotiveLLM`, an LLM whose emotional tone is steered per call.

Needs `llama-index-core` (pip install llama-index-core).
"""

from emotive_agents.llama_index.base import EmotiveLLM, UnsupportedMessageError
from emotive_agents.llama_index.embeddings import MiniLMEmbedding
from emotive_agents.runtime import clear_engine_cache

__all__ = ["EmotiveLLM", "MiniLMEmbedding", "UnsupportedMessageError", "clear_engine_cache"]
