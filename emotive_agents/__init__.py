"""emotive-agents: local LLMs whose emotional tone is steered with Emotion Vectors (arXiv 2502.04075)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents._lazy import lazy_exports
from emotive_agents._version import __version__

_EXPORTS = {
    "EmotiveEngine": "emotive_agents.engine",
    "EmotiveError": "emotive_agents.errors",
    "GenerationError": "emotive_agents.errors",
    "ModelLoadError": "emotive_agents.errors",
    "SteeringError": "emotive_agents.errors",
    "UnknownEmotionError": "emotive_agents.errors",
    "UnsupportedArchitectureError": "emotive_agents.errors",
    "VectorSetError": "emotive_agents.errors",
    "ChatMessage": "emotive_agents.generation",
    "GenerationRequest": "emotive_agents.generation",
    "GenerationResult": "emotive_agents.generation",
    "GenerationStream": "emotive_agents.generation",
    "Generator": "emotive_agents.generation",
    "SamplingParams": "emotive_agents.generation",
    "Usage": "emotive_agents.generation",
    "DEFAULT_MODEL": "emotive_agents.models",
    "LoadedModel": "emotive_agents.models",
    "ModelFingerprint": "emotive_agents.models",
    "find_layers": "emotive_agents.models",
    "load_model": "emotive_agents.models",
    "EmotionMix": "emotive_agents.steering",
    "Steering": "emotive_agents.steering",
    "steer": "emotive_agents.steering",
    "BASE": "emotive_agents.vectors",
    "BASIC_EMOTIONS": "emotive_agents.vectors",
    "EmotionVector": "emotive_agents.vectors",
    "EmotionVectorSet": "emotive_agents.vectors",
    "HookPoint": "emotive_agents.vectors",
    "PositionRule": "emotive_agents.vectors",
    "SteeringRecipe": "emotive_agents.vectors",
    "VectorSetMetadata": "emotive_agents.vectors",
    "load_vector_set": "emotive_agents.vectors",
    "save_vector_set": "emotive_agents.vectors",
}

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine
    from emotive_agents.errors import (
        EmotiveError,
        GenerationError,
        ModelLoadError,
        SteeringError,
        UnknownEmotionError,
        UnsupportedArchitectureError,
        VectorSetError,
    )
    from emotive_agents.generation import (
        ChatMessage,
        GenerationRequest,
        GenerationResult,
        GenerationStream,
        Generator,
        SamplingParams,
        Usage,
    )
    from emotive_agents.models import DEFAULT_MODEL, LoadedModel, ModelFingerprint, find_layers, load_model
    from emotive_agents.steering import EmotionMix, Steering, steer
    from emotive_agents.vectors import (
        BASE,
        BASIC_EMOTIONS,
        EmotionVector,
        EmotionVectorSet,
        HookPoint,
        PositionRule,
        SteeringRecipe,
        VectorSetMetadata,
        load_vector_set,
        save_vector_set,
    )

__all__ = [
    "BASE",
    "BASIC_EMOTIONS",
    "DEFAULT_MODEL",
    "ChatMessage",
    "EmotionMix",
    "EmotionVector",
    "EmotionVectorSet",
    "EmotiveEngine",
    "EmotiveError",
    "GenerationError",
    "GenerationRequest",
    "GenerationResult",
    "GenerationStream",
    "Generator",
    "HookPoint",
    "LoadedModel",
    "ModelFingerprint",
    "ModelLoadError",
    "PositionRule",
    "SamplingParams",
    "Steering",
    "SteeringError",
    "SteeringRecipe",
    "UnknownEmotionError",
    "UnsupportedArchitectureError",
    "Usage",
    "VectorSetError",
    "VectorSetMetadata",
    "__version__",
    "find_layers",
    "load_model",
    "load_vector_set",
    "save_vector_set",
    "steer",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
