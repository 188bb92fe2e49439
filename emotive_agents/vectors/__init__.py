"""Emotion Vectors: the recipe they are applied with, the set container, and file storage.

Exports load lazily (emotive_agents._lazy): `vectors.paths` is torch-free, and importing it must not
import torch through this `__init__`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents._lazy import lazy_exports

_EXPORTS = {
    "BASE": "emotive_agents.vectors.vector_set",
    "BASIC_EMOTIONS": "emotive_agents.vectors.vector_set",
    "EmotionVector": "emotive_agents.vectors.vector_set",
    "EmotionVectorSet": "emotive_agents.vectors.vector_set",
    "HookPoint": "emotive_agents.vectors.recipe",
    "PositionRule": "emotive_agents.vectors.recipe",
    "SteeringRecipe": "emotive_agents.vectors.recipe",
    "VectorSetMetadata": "emotive_agents.vectors.vector_set",
    "load_vector_set": "emotive_agents.vectors.store",
    "save_vector_set": "emotive_agents.vectors.store",
}

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
