"""A model's prompts as token ids (checked against its context window) and its special token ids."""

from __future__ import annotations

from dataclasses import dataclass

from emotive_agents.chat import render_prompt
from emotive_agents.errors import ContextLengthError, GenerationError
from emotive_agents.generation.types import GenerationRequest
from emotive_agents.models.loading import LoadedModel


@dataclass(frozen=True)
class SpecialIds:
    eos: frozenset[int]  # what the model may emit to end a reply
    end: frozenset[int]  # what ends a row: EOS, and padding (a model may emit it once it has nothing to say)
    pad: int  # what left padding uses


def special_ids(loaded: LoadedModel) -> SpecialIds:
    tokenizer = loaded.tokenizer
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    eos = loaded.model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    if tokenizer.eos_token_id is not None:
        eos_ids.add(tokenizer.eos_token_id)
    end = frozenset({*eos_ids, *([pad] if pad is not None else [])})
    return SpecialIds(frozenset(eos_ids), end, pad if pad is not None else 0)


def prompt_text(loaded: LoadedModel, request: GenerationRequest) -> str:
    """The request's pre-rendered prompt, or its messages through the chat template."""
    if request.prompt is not None:
        return request.prompt
    return render_prompt(loaded.tokenizer, request.messages)


def encode(loaded: LoadedModel, request: GenerationRequest) -> list[int]:
    """The prompt's token ids, checked to be non-empty and to fit the context window with the budget."""
    ids: list[int] = loaded.tokenizer(prompt_text(loaded, request), add_special_tokens=False)["input_ids"]
    if not ids:
        raise GenerationError("the prompt is empty")
    limit = int(getattr(loaded.model.config, "max_position_embeddings", 0) or 0)
    if limit and len(ids) + request.params.max_new_tokens > limit:
        raise ContextLengthError(
            f"prompt ({len(ids)} tokens) plus max_new_tokens ({request.params.max_new_tokens}) "
            f"exceeds the model's context window of {limit} tokens"
        )
    return ids
