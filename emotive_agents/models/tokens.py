"""Prompt token ids checked against the context window, and the ids that end a reply.

Both decode paths need them: the executor (steered and sampled replies) and extraction's plain greedy path;
they live on the model floor so neither has to import the other.
"""

from __future__ import annotations

from emotive_agents.errors import ContextLengthError, GenerationError
from emotive_agents.models.loading import LoadedModel


def encode_checked(loaded: LoadedModel, text: str, reserve: int, *, budget: str | None = None) -> list[int]:
    """`text`'s token ids, refused when empty or when `reserve` new tokens would not fit the context window.

    `budget` names the reserve in the error (default: "N new tokens")."""
    ids: list[int] = loaded.tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise GenerationError("the prompt is empty")
    limit = int(getattr(loaded.model.config, "max_position_embeddings", 0) or 0)
    if limit and len(ids) + reserve > limit:
        raise ContextLengthError(
            f"prompt ({len(ids)} tokens) plus {budget or f'{reserve} new tokens'} "
            f"exceeds the model's context window of {limit} tokens"
        )
    return ids


def end_token_ids(loaded: LoadedModel) -> tuple[set[int], int | None]:
    """(the EOS ids the model may emit: generation config and tokenizer, the pad id or None)."""
    tokenizer = loaded.tokenizer
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    eos = loaded.model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    if tokenizer.eos_token_id is not None:
        eos_ids.add(tokenizer.eos_token_id)
    return eos_ids, pad
