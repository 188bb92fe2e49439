"""Options shared by the integrations: one set of fields, one list of per-call names, one mapping onto
a GenerationRequest.

ChatEmotive and EmotiveLLM carry the same settings as fields (`IntegrationSettings`, their defaults) and
accept the same keyword arguments per call; anything else is refused rather than silently ignored, so
e.g. `tools=` cannot look as if it worked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.mix import EmotionMix

# Per-call keyword arguments (a call's value wins over the integration's field of the same name).
CALL_OPTIONS = frozenset(
    {
        "emotion",
        "model",
        "temperature",
        "max_tokens",
        "top_p",
        "top_k",
        "seed",
        "stop",
        "monitor",
        "repetition_penalty",
        "no_repeat_ngram_size",
    }
)
# Integration field -> SamplingParams field, for the options that are sampling settings.
_SAMPLING = {
    "max_tokens": "max_new_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "repetition_penalty": "repetition_penalty",
    "no_repeat_ngram_size": "no_repeat_ngram_size",
}


class IntegrationSettings(BaseModel):
    """The fields ChatEmotive and EmotiveLLM share: which model and vectors, the default mix, the sampling
    defaults every call starts from, and how the weights are loaded. Listed first among their bases, so
    each integration's own framework settings keep their place before these."""

    model: str = Field(
        default=DEFAULT_MODEL, description="Model name (the embedded SmolLM2), hub id or path."
    )
    vectors: str | None = Field(
        default=None, description="Vector set path or name; default: the model's own."
    )
    emotion: dict[str, float] = Field(
        default_factory=dict, description="Default emotion mix, e.g. {'joy': 0.8}; empty means unsteered."
    )
    temperature: float = Field(default=0.0, ge=0.0, le=5.0, description="0 decodes greedily.")
    max_tokens: int = Field(default=256, ge=1, description="Most new tokens per answer.")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    top_k: int | None = Field(default=None, ge=1)
    stop: list[str] | None = Field(default=None, description="Default stop strings (cut from the answer).")
    seed: int | None = Field(default=None, description="Seed for reproducible sampling.")
    repetition_penalty: float = Field(default=1.0, gt=0.0, le=10.0, description=">1 penalises repeats.")
    no_repeat_ngram_size: int = Field(default=0, ge=0, le=16, description="Forbid repeating n-grams.")
    trim_to_sentence: bool = Field(
        default=False, description="Cut a reply that ran out of tokens back to its last sentence end."
    )
    dtype: str = Field(default="float32", description="Weights dtype: float32, float16, bfloat16 or auto.")
    device: str = Field(default="cpu")

    @field_validator("vectors", mode="before")
    @classmethod
    def _vectors_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, Path) else value

    @field_validator("emotion")
    @classmethod
    def _check_emotion(cls, value: dict[str, float]) -> dict[str, float]:
        return EmotionMix.coerce(value).as_dict()  # fails early on bad names or intensities


def check_options(owner: str, kwargs: Mapping[str, Any], allowed: Iterable[str] = CALL_OPTIONS) -> None:
    """TypeError naming the unsupported options, if any."""
    allowed = frozenset(allowed)
    unknown = set(kwargs) - allowed
    if unknown:
        raise TypeError(
            f"{owner} got unsupported call options {sorted(unknown)}; per-call options are {sorted(allowed)}"
        )


def request_options(
    defaults: IntegrationSettings, kwargs: Mapping[str, Any], *, stop: list[str] | None = None
) -> tuple[Any, dict[str, Any]]:
    """(emotion, SamplingParams keyword arguments) of one call: per-call values over the defaults.

    A per-call `emotion` replaces the default mix (`{}` turns steering off); `None` keeps the default.
    """
    emotion = kwargs["emotion"] if kwargs.get("emotion") is not None else defaults.emotion
    stop = stop if stop is not None else kwargs.get("stop")
    params = {target: kwargs.get(name, getattr(defaults, name)) for name, target in _SAMPLING.items()}
    params["stop"] = stop if stop is not None else defaults.stop
    params["trim_to_sentence"] = defaults.trim_to_sentence
    return emotion, params
