"""Lab tests share the affect tests' helpers (tiny labelled texts, a tiny GoEmotions layout)."""

from __future__ import annotations

import sys
from pathlib import Path

AFFECT_TESTS = Path(__file__).resolve().parents[1] / "affect"
if str(AFFECT_TESTS) not in sys.path:  # so that `import _affect_helpers` works from this folder too
    sys.path.insert(0, str(AFFECT_TESTS))
