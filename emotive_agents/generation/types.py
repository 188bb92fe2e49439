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
    # Repetition control, as in transformers: >1 penalises tokens already in the prompt or reply;
    # n > 0 forbids repeating any n-gram of the prompt + reply.
    repetition_penalty: float = Field(default=1.0, gt=0.0, le=10.0)
    no_repeat_ngram_size: int = Field(default=0, ge=0, le=16)
    # Sentence endings: when the budget runs out mid-sentence, cut back to the last sentence end
    # (Usage.trimmed says so; streams then send whole sentences only). A soft budget stops at the
    # first sentence end once that many tokens are out (finish_reason "stop").
    trim_to_sentence: bool = False
    soft_max_tokens: int | None = Field(default=None, ge=1)

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
        return (
            self.temperature,
            self.top_p,
            self.top_k,
            self.seed,
            self.ignore_eos,
            self.repetition_penalty,
            self.no_repeat_ngram_size,
        )


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
    output_tokens: int  # tokens generated (a trimmed tail included: it was computed)
    # True when the budget ran out mid-sentence and the text was cut back to its last sentence end
    # (`trim_to_sentence`); finish_reason stays "length".
    trimmed: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class GenerationResult(BaseModel):
    text: str
    model: str
    emotion: dict[str, float]
    usage: Usage
    finish_reason: Literal["stop", "length"]
