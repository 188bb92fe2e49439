"""Per-call options shared by the integrations: one list of names, one mapping onto a GenerationRequest.

ChatEmotive and EmotiveLLM carry the same settings as fields (their defaults) and accept the same keyword
arguments per call; anything else is refused rather than silently ignored, so e.g. `tools=` cannot look
as if it worked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

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


class CallDefaults(Protocol):
    """The fields an integration holds as defaults for every call."""

    emotion: dict[str, float]
    stop: list[str] | None
    trim_to_sentence: bool


def check_options(owner: str, kwargs: Mapping[str, Any], allowed: Iterable[str] = CALL_OPTIONS) -> None:
    """TypeError naming the unsupported options, if any."""
    allowed = frozenset(allowed)
    unknown = set(kwargs) - allowed
    if unknown:
        raise TypeError(
            f"{owner} got unsupported call options {sorted(unknown)}; per-call options are {sorted(allowed)}"
        )


def request_options(
    defaults: CallDefaults, kwargs: Mapping[str, Any], *, stop: list[str] | None = None
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
