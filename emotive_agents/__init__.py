"""emotive-agents: local LLMs whose emotional tone is steered with Emotion Vectors (arXiv 2502.04075)."""

__version__ = "0.1.0"

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
