"""Extract Emotion Vectors (arXiv 2502.04075): mean activation shift over response tokens, over queries.

For each query the model answers under a neutral and under an emotion-conditioned system prompt.
Each (prompt, response) pair is then run once more with hooks that pool the chosen internal output
over the response tokens only (padding masked). Per condition we keep running sums, so memory stays
flat however many queries are used; EV = mean(emotional) - mean(neutral), per layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.errors import VectorSetError
from emotive_agents.models.loading import LoadedModel
from emotive_agents.progress import ProgressBar, ProgressCallback, stepper
from emotive_agents.vectors.greedy import greedy_pairs
from emotive_agents.vectors.queries import EmotionPrompts, Placement, Query, dataset_hash
from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.record import Recorder
from emotive_agents.vectors.vector_set import BASIC_EMOTIONS, EmotionVectorSet

NEUTRAL = "neutral"
# "specific": drop the shared EV_base direction; "centred": subtract the mean over all conditions.
Component = Literal["raw", "specific", "centred"]


def full_layer_vectors(
    loaded: LoadedModel, layers: Sequence[int], shifts: Mapping[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Per-emotion [layers, hidden] tensors: each measured shift on its layers, zero elsewhere."""
    vectors = {}
    for emotion, shift in shifts.items():
        full = torch.zeros(loaded.num_layers, loaded.hidden_size)
        full[list(layers)] = shift.float()
        vectors[emotion] = full
    return vectors


def apply_component(vector_set: EmotionVectorSet, component: Component) -> EmotionVectorSet:
    """The requested component of raw mean differences (see EmotionVectorSet)."""
    if component == "specific":
        return vector_set.emotion_specific()
    if component == "centred":
        return vector_set.mean_centred()
    return vector_set


class ExtractionConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    emotions: tuple[str, ...] = BASIC_EMOTIONS
    hook_point: HookPoint = HookPoint.BLOCK_CONTRIBUTION
    positions: PositionRule = PositionRule.ALL  # stored as the recommended application rule
    layers: tuple[int, ...] | None = None
    max_new_tokens: int = Field(default=48, ge=1)
    batch_size: int = Field(default=16, ge=1)
    limit: int | None = Field(default=None, ge=1)
    component: Component = "raw"
    # Where the emotion is asked for: the system prompt, an instruction after the user's message, or both.
    placement: Placement = "system"


class ActivationPooler:
    """Each layer's response-token mean of the chosen output, through one `Recorder` forward."""

    def __init__(self, loaded: LoadedModel, hook_point: HookPoint, layers: Sequence[int]) -> None:
        self.loaded = loaded
        self.hook_point = hook_point
        self.layers = list(layers)

    @torch.inference_mode()
    def pool(self, sequences: Sequence[tuple[list[int], list[int]]]) -> torch.Tensor:
        """[B, layers, d] mean over response tokens of each (prompt ids, response ids) pair."""
        width = max(len(p) + len(r) for p, r in sequences)
        pad = self.loaded.tokenizer.pad_token_id or 0
        ids = torch.full((len(sequences), width), pad, dtype=torch.long)
        attention = torch.zeros_like(ids)
        mask = torch.zeros(len(sequences), width)
        for row, (prompt, response) in enumerate(sequences):
            full = prompt + response
            ids[row, width - len(full) :] = torch.tensor(full)
            attention[row, width - len(full) :] = 1
            mask[row, width - len(response) :] = 1.0 / len(response)
        device = self.loaded.device
        weights = mask.unsqueeze(-1).to(device)  # [B, S, 1] response-token weights (rows sum to 1)
        pooled: dict[int, torch.Tensor] = {}

        def keep(index: int, hidden: torch.Tensor) -> None:
            pooled[index] = (hidden.float() * weights).sum(dim=1)  # [B, d]

        model, layout = self.loaded.model, self.loaded.layout
        # stop_after_last: the forward ends at the deepest recorded layer, so the LM head's [B, S, vocab]
        # logits (never read; about half the teacher-forced time on a small model) are not computed.
        recorder = Recorder(model, layout, self.layers, self.hook_point, keep=keep, stop_after_last=True)
        with recorder:
            recorder.run(input_ids=ids.to(device), attention_mask=attention.to(device), use_cache=False)
        return torch.stack([pooled[i] for i in self.layers], dim=1).cpu()


def extract_vectors(
    loaded: LoadedModel,
    queries: Sequence[Query],
    prompts: EmotionPrompts,
    config: ExtractionConfig = ExtractionConfig(),
    *,
    on_progress: ProgressCallback | None = None,
    progress: bool = False,
) -> EmotionVectorSet:
    """Run the extraction and return a vector set (with EV_base) ready to save.

    `on_progress(done, total)` is called after every batch (query chunk x condition); `progress=True`
    (kept for older callers) draws a bar on stderr instead.
    """
    queries = list(queries)[: config.limit] if config.limit else list(queries)
    if not queries:
        raise VectorSetError("no queries to extract from")
    conditions: dict[str, str | None] = {NEUTRAL: None, **{e: e for e in config.emotions}}
    for emotion in conditions.values():  # fail before any generation if a prompt is missing
        prompts.messages(emotion, "", config.placement)
    layers = config.layers if config.layers is not None else tuple(range(loaded.num_layers))
    pooler = ActivationPooler(loaded, config.hook_point, layers)
    sums = {c: torch.zeros(len(layers), loaded.hidden_size, dtype=torch.float64) for c in conditions}
    counts = dict.fromkeys(conditions, 0)
    chunks = [queries[i : i + config.batch_size] for i in range(0, len(queries), config.batch_size)]
    bar = ProgressBar("extracting", unit="batch") if progress and on_progress is None else None
    step = stepper(on_progress or bar, len(chunks) * len(conditions))
    for chunk in chunks:
        for condition, emotion in conditions.items():
            conversations = [prompts.messages(emotion, q.text, config.placement) for q in chunk]
            pairs = greedy_pairs(
                loaded, conversations, max_new_tokens=config.max_new_tokens, batch_size=config.batch_size
            )
            pairs = [(p, r) for p, r in pairs if r]  # an instant EOS carries no response tokens
            if pairs:
                sums[condition] += pooler.pool(pairs).sum(dim=0).double()
                counts[condition] += len(pairs)
            step()
    if bar is not None:
        bar.close()
    empty = [c for c, n in counts.items() if n == 0]
    if empty:
        raise VectorSetError(f"the model gave no response tokens under: {', '.join(empty)}")
    neutral = sums[NEUTRAL] / counts[NEUTRAL]
    shifts = {e: sums[e] / counts[e] - neutral for e in config.emotions}
    vectors = full_layer_vectors(loaded, layers, shifts)
    recipe = SteeringRecipe(hook_point=config.hook_point, positions=config.positions, layers=config.layers)
    vector_set = EmotionVectorSet.from_vectors(
        vectors,
        loaded.fingerprint,
        recipe=recipe,
        pooling="response_mean",
        dataset_hash=dataset_hash(queries, prompts),
        created={
            "method": "generation",
            **config.model_dump(mode="json"),
            "queries": len(queries),
            "responses": counts,
        },
    )
    return apply_component(vector_set, config.component)
