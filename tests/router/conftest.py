"""Router test fixtures (helpers live in _router_helpers.py: conftest is not importable by name)."""

from __future__ import annotations

import pytest
from _router_helpers import KeywordClassifier


@pytest.fixture
def keywords() -> KeywordClassifier:
    return KeywordClassifier()
