"""Defaults that many layers name: one constant each, in a leaf that imports nothing.

The CLI's options read them at import time, so this module must stay free of torch, transformers
and every other heavy import (`emotive-agents --help` stays fast).
"""

from __future__ import annotations

# The embedded model (SmolLM2-135M-Instruct, shipped as a GGUF) and the name of its shipped vector set.
DEFAULT_MODEL = "smollm2-135m"

__all__ = ["DEFAULT_MODEL"]
