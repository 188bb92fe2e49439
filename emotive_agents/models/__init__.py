"""Model loading and architecture-generic layer discovery."""

from emotive_agents.models.layers import LayerLayout, find_layers
from emotive_agents.models.loading import (
    DEFAULT_MODEL,
    LoadedModel,
    ModelFingerprint,
    load_model,
)

__all__ = ["DEFAULT_MODEL", "LayerLayout", "LoadedModel", "ModelFingerprint", "find_layers", "load_model"]
