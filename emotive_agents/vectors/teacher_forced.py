"""Teacher-forced extraction: mean activation shift over *given* replies, with no generation.

Each reply of a corpus is forced after the neutral prompt of its query, so the vector encodes
"writing in emotion e" rather than "having been asked for e" (small models barely follow the
request, which is why generate-then-pool finds little anger). Activations are pooled over the reply
tokens only, with the same hooks and hook points as generation-based extraction; per condition the
mean is kept, and EV_e = mean(e) - mean(neutral) per layer. One forward pass per batch of replies
makes it far faster than generating them. With `shared_prompt` (the default) each prompt token runs
once per group of prompts, the replies after it in length-sorted batches (`prefix_pool.SharedPromptPooler`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.chat import ChatMessage
from emotive_agents.errors import VectorSetError
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.corpus import NEUTRAL, Reply, ReplyCorpus
from emotive_agents.vectors.extract import ActivationPooler, Component, apply_component, full_layer_vectors
from emotive_agents.vectors.greedy import prompt_ids
from emotive_agents.vectors.prefix_pool import SharedPromptPooler, plan
from emotive_agents.vectors.queries import EmotionPrompts, Placement
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.vector_set import EmotionVectorSet

Progress = Callable[[int, int], None]


class TeacherForcedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    emotions: tuple[str, ...] | None = None  # None: every non-neutral condition in the corpus
    hook_point: HookPoint = HookPoint.BLOCK_CONTRIBUTION
    positions: PositionRule = PositionRule.ALL
    layers: tuple[int, ...] | None = None
    batch_size: int = Field(default=16, ge=1)
    component: Component = "raw"
    max_response_tokens: int | None = Field(default=None, ge=1)  # pool only the first N reply tokens
    # "neutral": every reply after its query's neutral prompt (the method); "condition": after the
    # prompt of its own condition, which reproduces generate-then-pool on the same replies.
    prompt: Literal["neutral", "condition"] = "neutral"
    placement: Placement = "system"
    # Pool over a shared prompt KV cache: each prompt token runs once per group of prompts (same means
    # within float tolerance; False: one full forward per row, as before).
    shared_prompt: bool = True


def prompt_messages(
    query: str, emotion: str | None, prompts: EmotionPrompts | None, placement: Placement
) -> list[ChatMessage]:
    """The user turn alone (as at inference) or, with a prompt set, that set's conversation."""
    if prompts is None:
        return [ChatMessage(role="user", content=query)]
    return prompts.messages(emotion, query, placement)


def forced_pairs(
    loaded: LoadedModel,
    replies: Sequence[Reply],
    *,
    prompts: EmotionPrompts | None = None,
    prompt: Literal["neutral", "condition"] = "neutral",
    placement: Placement = "system",
    max_response_tokens: int | None = None,
) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, reply ids) per reply: the chat-templated prompt, then the reply's own tokens."""
    tokenizer = loaded.tokenizer
    keyed: list[tuple[tuple[str, str | None], list[int]]] = []
    longest: dict[tuple[str, str | None], int] = {}  # a query's prompt is shared by its replies
    for reply in replies:
        response: list[int] = tokenizer(reply.response, add_special_tokens=False)["input_ids"]
        response = response[:max_response_tokens] if max_response_tokens else response
        if not response:
            raise VectorSetError(f"the reply to {reply.query[:60]!r} ({reply.emotion}) has no tokens")
        key = (reply.query, None if prompt == "neutral" or reply.emotion == NEUTRAL else reply.emotion)
        keyed.append((key, response))
        longest[key] = max(longest.get(key, 0), len(response))
    # Each distinct prompt is rendered and tokenised once, checked to leave room for its longest reply.
    rendered = {
        key: prompt_ids(loaded, tuple(prompt_messages(*key, prompts, placement)), reserve=reserve)
        for key, reserve in longest.items()
    }
    return [(rendered[key], response) for key, response in keyed]


def condition_means(
    loaded: LoadedModel,
    pairs_by_condition: dict[str, list[tuple[list[int], list[int]]]],
    hook_point: HookPoint,
    layers: Sequence[int],
    batch_size: int,
    on_progress: Progress | None = None,
) -> dict[str, torch.Tensor]:
    """[layers, hidden] mean over rows of each row's reply-token mean, per condition."""
    pooler = ActivationPooler(loaded, hook_point, layers)
    total = sum((len(p) + batch_size - 1) // batch_size for p in pairs_by_condition.values())
    done = 0
    means = {}
    for condition, pairs in pairs_by_condition.items():
        acc = torch.zeros(len(layers), loaded.hidden_size, dtype=torch.float64)
        # Similar lengths share a batch, so little of each forward pass is padding (the mean is
        # order-independent).
        ordered = sorted(pairs, key=lambda pair: len(pair[0]) + len(pair[1]))
        for start in range(0, len(ordered), batch_size):
            acc += pooler.pool(ordered[start : start + batch_size]).sum(dim=0).double()
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        means[condition] = acc / len(pairs)
    return means


def shared_prompt_means(
    loaded: LoadedModel,
    pairs_by_condition: dict[str, list[tuple[list[int], list[int]]]],
    hook_point: HookPoint,
    layers: Sequence[int],
    batch_size: int,
    on_progress: Progress | None = None,
) -> dict[str, torch.Tensor]:
    """`condition_means`, with the rows of all conditions pooled over a shared prompt KV cache (`plan`)."""
    pooler = SharedPromptPooler(loaded, hook_point, layers)
    rows = [(condition, pair) for condition, pairs in pairs_by_condition.items() for pair in pairs]
    sequences = [pair for _, pair in rows]
    sums = {c: torch.zeros(len(layers), loaded.hidden_size, dtype=torch.float64) for c in pairs_by_condition}
    total = sum(len(group.batches) for group in plan(sequences, batch_size))
    for done, (indices, pooled) in enumerate(pooler.pool_batches(sequences, batch_size), start=1):
        for index, row in zip(indices, pooled.double(), strict=True):
            sums[rows[index][0]] += row
        if on_progress is not None:
            on_progress(done, total)
    return {c: sums[c] / len(pairs) for c, pairs in pairs_by_condition.items()}


def extract_from_replies(
    loaded: LoadedModel,
    corpus: ReplyCorpus,
    config: TeacherForcedConfig = TeacherForcedConfig(),
    *,
    prompts: EmotionPrompts | None = None,
    on_progress: Progress | None = None,
) -> EmotionVectorSet:
    """Teacher-forced Emotion Vectors from a reply corpus; returns a set (with EV_base) ready to save."""
    emotions = list(config.emotions or corpus.emotions)
    corpus.require([NEUTRAL, *emotions])
    if config.prompt == "condition" and prompts is None:
        raise VectorSetError("prompt='condition' needs the prompt set the replies were asked with")
    layers = config.layers if config.layers is not None else tuple(range(loaded.num_layers))
    replies = {condition: corpus.replies(condition) for condition in (NEUTRAL, *emotions)}
    flat = forced_pairs(  # one call, so a query's prompt is rendered once for all its conditions
        loaded,
        [reply for rows in replies.values() for reply in rows],
        prompts=prompts,
        prompt=config.prompt,
        placement=config.placement,
        max_response_tokens=config.max_response_tokens,
    )
    pairs, start = {}, 0
    for condition, rows in replies.items():
        pairs[condition], start = flat[start : start + len(rows)], start + len(rows)
    pool = shared_prompt_means if config.shared_prompt else condition_means
    means = pool(loaded, pairs, config.hook_point, layers, config.batch_size, on_progress)
    vectors = full_layer_vectors(loaded, layers, {e: means[e] - means[NEUTRAL] for e in emotions})
    recipe = SteeringRecipe(hook_point=config.hook_point, positions=config.positions, layers=config.layers)
    vector_set = EmotionVectorSet.from_vectors(
        vectors,
        loaded.fingerprint,
        recipe=recipe,
        pooling="response_mean",
        dataset_hash=corpus.digest(),
        created={
            "method": "teacher_forced",
            **config.model_dump(mode="json"),
            "source": corpus.source,
            "queries": len(corpus.queries),
            "responses": {c: len(p) for c, p in pairs.items()},
        },
    )
    return apply_component(vector_set, config.component)
