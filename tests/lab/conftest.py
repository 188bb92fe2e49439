"""Lab tests import the lab scripts (benchmarks/, outside the wheel) and share the affect tests' helpers.

The repository root goes on sys.path so `import benchmarks.X` works however pytest is started (the
console script does not put the working directory there); tests/affect for `_affect_helpers`.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for path in (TESTS.parent, TESTS / "affect"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
