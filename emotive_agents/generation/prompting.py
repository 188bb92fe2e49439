"""A model's prompts as token ids (checked against its context window) and its special token ids."""

from __future__ import annotations

from dataclasses import dataclass

from emotive_agents.chat import render_prompt
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.models.loading import LoadedModel
from emotive_agents.models.tokens import encode_checked, end_token_ids


@dataclass(frozen=True)
class SpecialIds:
    eos: frozenset[int]  # what the model may emit to end a reply
    end: frozenset[int]  # what ends a row: EOS, and padding (a model may emit it once it has nothing to say)
    pad: int  # what left padding uses


def special_ids(loaded: LoadedModel) -> SpecialIds:
    eos_ids, pad = end_token_ids(loaded)
    end = frozenset({*eos_ids, *([pad] if pad is not None else [])})
    return SpecialIds(frozenset(eos_ids), end, pad if pad is not None else 0)


def prompt_text(loaded: LoadedModel, request: GenerationRequest) -> str:
    """The request's pre-rendered prompt, or its messages through the chat template."""
    if request.prompt is not None:
        return request.prompt
    return render_prompt(loaded.tokenizer, request.messages)


def encode(loaded: LoadedModel, request: GenerationRequest) -> list[int]:
    """The prompt's token ids, checked to be non-empty and to fit the context window with the budget."""
    budget = request.params.max_new_tokens
    return encode_checked(loaded, prompt_text(loaded, request), budget, budget=f"max_new_tokens ({budget})")
