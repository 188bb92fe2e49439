"""Fixtures for the affect tests (helpers live in _affect_helpers.py: conftest is not importable by name)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def embedder():
    """The real process-wide MiniLM embedder (loads once, ~1 s)."""
    from emotive_agents.models.embeddings import default_embedder

    return default_embedder("cpu")
