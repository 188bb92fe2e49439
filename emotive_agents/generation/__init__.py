"""Generation: chat prompts, batched steered decoding, streaming."""

from emotive_agents.generation.chat import ChatMessage, merge_consecutive, normalize_messages, render_prompt
from emotive_agents.generation.generator import GenerationStream, Generator
from emotive_agents.generation.types import GenerationRequest, GenerationResult, SamplingParams, Usage

__all__ = [
    "ChatMessage",
    "GenerationRequest",
    "GenerationResult",
    "GenerationStream",
    "Generator",
    "SamplingParams",
    "Usage",
    "merge_consecutive",
    "normalize_messages",
    "render_prompt",
]
