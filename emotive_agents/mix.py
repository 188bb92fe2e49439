"""EmotionMix: which emotions to add and how strongly. A leaf module (no torch): every layer may import it.

Name rules and intensity limits live here, so a mix is validated once, wherever it is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Calibrated sets make 1.0 the strongest fluent setting; beyond a few units any model breaks down.
MAX_INTENSITY = 5.0
EMOTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

MixLike = Any  # EmotionMix | Mapping[str, float] | None, spelled loosely for callers' signatures


def check_emotion_name(name: str) -> str:
    """The name itself if it is a valid emotion name; ValueError otherwise."""
    if not EMOTION_NAME.match(name):
        raise ValueError(
            f"emotion name {name!r} must be lower-case letters, digits or '_' (1-32 chars, letter first)"
        )
    return name


class EmotionMix(BaseModel):
    """Intensities per emotion, e.g. {"joy": 0.8, "fear": -0.4}; negative values suppress."""

    model_config = ConfigDict(frozen=True)

    intensities: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _accept_plain_mapping(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and "intensities" not in value:
            return {"intensities": dict(value)}
        return value

    @field_validator("intensities")
    @classmethod
    def _check(cls, value: dict[str, float]) -> dict[str, float]:
        for name, intensity in value.items():
            check_emotion_name(name)
            if not math.isfinite(intensity):
                raise ValueError(f"intensity of {name!r} must be a finite number, got {intensity}")
            if abs(intensity) > MAX_INTENSITY:
                raise ValueError(
                    f"intensity of {name!r} is {intensity}; "
                    f"allowed range is [-{MAX_INTENSITY}, {MAX_INTENSITY}]"
                )
        return value

    @classmethod
    def coerce(cls, value: EmotionMix | Mapping[str, float] | None) -> EmotionMix:
        """Accept a mix, a plain dict or None (no steering); a mix passes through unchanged."""
        if isinstance(value, EmotionMix):
            return value
        return cls(intensities=dict(value or {}))

    @property
    def is_neutral(self) -> bool:
        return all(v == 0 for v in self.intensities.values())

    def __add__(self, other: EmotionMix) -> EmotionMix:
        merged = dict(self.intensities)
        for name, intensity in other.intensities.items():
            merged[name] = merged.get(name, 0.0) + intensity
        return EmotionMix(intensities=merged)

    def __mul__(self, factor: float) -> EmotionMix:
        return EmotionMix(intensities={k: v * float(factor) for k, v in self.intensities.items()})

    __rmul__ = __mul__

    def as_dict(self) -> dict[str, float]:
        return dict(self.intensities)
