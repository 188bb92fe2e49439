"""Model loading and architecture-generic layer discovery.

Exports load lazily (emotive_agents._lazy): `models.paths` and `models.checkpoint` are torch-free, and
importing them must not import torch through this `__init__`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emotive_agents._lazy import lazy_exports

_EXPORTS = {
    "DEFAULT_MODEL": "emotive_agents.models.paths",
    "LayerLayout": "emotive_agents.models.layers",
    "LoadedModel": "emotive_agents.models.loading",
    "ModelFingerprint": "emotive_agents.models.checkpoint",
    "find_layers": "emotive_agents.models.layers",
    "load_model": "emotive_agents.models.loading",
}

if TYPE_CHECKING:
    from emotive_agents.models.checkpoint import ModelFingerprint
    from emotive_agents.models.layers import LayerLayout, find_layers
    from emotive_agents.models.loading import LoadedModel, load_model
    from emotive_agents.models.paths import DEFAULT_MODEL

__all__ = ["DEFAULT_MODEL", "LayerLayout", "LoadedModel", "ModelFingerprint", "find_layers", "load_model"]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
