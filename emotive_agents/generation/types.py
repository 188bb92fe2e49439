"""Public request/response types for generation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from emotive_agents.generation.chat import ChatMessage, MessagesLike, normalize_messages
from emotive_agents.steering.mix import EmotionMix


class SamplingParams(BaseModel):
    """Decoding settings; temperature 0 means greedy."""

    model_config = ConfigDict(frozen=True)

    max_new_tokens: int = Field(default=128, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0.0, le=5.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    top_k: int | None = Field(default=None, ge=1)
    seed: int | None = None
    stop: tuple[str, ...] = ()
    ignore_eos: bool = False  # keep decoding to max_new_tokens (benchmarks)

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_list(cls, value: object) -> object:
        if value is None:
            return ()
        if isinstance(value, str):
            value = (value,)
        items = tuple(value) if isinstance(value, (list, tuple)) else None
        if items is None or any(not isinstance(s, str) or not s for s in items):
            raise ValueError("stop sequences must be non-empty strings")
        return items

    def batch_key(self) -> tuple[object, ...]:
        """Requests that agree on this can share one batched generate call."""
        return (self.temperature, self.top_p, self.top_k, self.seed, self.ignore_eos)


class GenerationRequest(BaseModel):
    """One conversation to answer, its emotion mix and decoding settings."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[ChatMessage, ...] = ()
    prompt: str | None = None  # pre-rendered prompt text; bypasses the chat template
    emotion: EmotionMix = EmotionMix()
    params: SamplingParams = SamplingParams()

    @classmethod
    def build(
        cls,
        messages: MessagesLike,
        emotion: EmotionMix | Mapping[str, float] | None = None,
        **params: object,
    ) -> GenerationRequest:
        return cls(
            messages=tuple(normalize_messages(messages)),
            emotion=EmotionMix.coerce(emotion),
            params=SamplingParams.model_validate(params),
        )


class Usage(BaseModel):
    input_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class GenerationResult(BaseModel):
    text: str
    model: str
    emotion: dict[str, float]
    usage: Usage
    finish_reason: Literal["stop", "length"]
