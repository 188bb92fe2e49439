"""Emotion Vectors: the recipe they are applied with, the set container, and file storage."""

from emotive_agents.vectors.recipe import HookPoint, PositionRule, SteeringRecipe
from emotive_agents.vectors.store import load_vector_set, save_vector_set
from emotive_agents.vectors.vector_set import (
    BASE,
    BASIC_EMOTIONS,
    EmotionVector,
    EmotionVectorSet,
    VectorSetMetadata,
)

__all__ = [
    "BASE",
    "BASIC_EMOTIONS",
    "EmotionVector",
    "EmotionVectorSet",
    "HookPoint",
    "PositionRule",
    "SteeringRecipe",
    "VectorSetMetadata",
    "load_vector_set",
    "save_vector_set",
]
