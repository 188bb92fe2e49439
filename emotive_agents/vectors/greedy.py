"""The plain decode path extraction needs: chat prompts as token ids, and unsteered greedy replies.

Extraction measures the model as it is, so it runs `model.generate` greedily with no steering, batched with
left padding (greedy rows give the same tokens batched as alone). Everything steered or sampled goes
through `generation.executor`; this module keeps `vectors` free of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from emotive_agents.chat import ChatMessage, render_prompt
from emotive_agents.models.loading import LoadedModel
from emotive_agents.models.tokens import encode_checked, end_token_ids


def prompt_ids(loaded: LoadedModel, messages: Sequence[ChatMessage], *, reserve: int = 0) -> list[int]:
    """The chat-templated prompt's token ids, checked to leave `reserve` tokens of the context window."""
    return encode_checked(loaded, render_prompt(loaded.tokenizer, messages), reserve)


def _end_ids(loaded: LoadedModel) -> tuple[list[int], int]:
    eos_ids, pad = end_token_ids(loaded)
    return sorted(eos_ids), pad if pad is not None else 0


@torch.inference_mode()
def greedy_pairs(
    loaded: LoadedModel,
    conversations: Sequence[Sequence[ChatMessage]],
    *,
    max_new_tokens: int,
    batch_size: int,
) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, greedy response ids up to EOS) per conversation, `batch_size` rows per generate call."""
    from transformers import GenerationConfig

    eos_ids, pad = _end_ids(loaded)
    ends = {*eos_ids, pad}
    config = GenerationConfig(
        max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad, eos_token_id=eos_ids or None
    )
    out: list[tuple[list[int], list[int]]] = []
    for start in range(0, len(conversations), batch_size):
        rows = [
            prompt_ids(loaded, c, reserve=max_new_tokens) for c in conversations[start : start + batch_size]
        ]
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for i, ids in enumerate(rows):
            input_ids[i, width - len(ids) :] = torch.tensor(ids)
            attention[i, width - len(ids) :] = 1
        device = loaded.device
        output = loaded.model.generate(
            input_ids=input_ids.to(device), attention_mask=attention.to(device), generation_config=config
        )
        for ids, tokens in zip(rows, output[:, width:].cpu().tolist(), strict=True):
            end = next((k for k, t in enumerate(tokens) if t in ends), len(tokens))
            out.append((ids, tokens[:end]))
    return out
