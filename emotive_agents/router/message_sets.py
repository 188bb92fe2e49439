"""The project-written labelled message sets shipped in data/router: domain, held-out and crisis messages.

Tests and the lab's reader evaluation (`python -m benchmarks.router_evaluate`) read them; the router
itself never does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "router"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-empty line of a JSONL file, parsed."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def domain_messages() -> list[dict[str, Any]]:
    """The project-written labelled messages: text, domain, label."""
    return load_jsonl(DATA_DIR / "domain_messages.jsonl")


def heldout_messages() -> list[dict[str, Any]]:
    """Held-out labelled user messages (text, domain, label): report only, never tune on them."""
    return load_jsonl(DATA_DIR / "heldout_messages.jsonl")


def crisis_messages() -> list[dict[str, Any]]:
    """Crisis positives and idiom negatives: text, domain, crisis, kind."""
    return load_jsonl(DATA_DIR / "crisis_messages.jsonl")


__all__ = ["DATA_DIR", "crisis_messages", "domain_messages", "heldout_messages", "load_jsonl"]
