"""Where vector sets live: a directory of their own, or a shipped set under vectors/ by name.

Torch-free, so `emotive-agents info` can find and read a set's metadata without importing torch.
"""

from __future__ import annotations

from pathlib import Path

from emotive_agents.errors import VectorSetError
from emotive_agents.models.paths import DEFAULT_MODEL

TENSORS_FILE = "vectors.safetensors"
METADATA_FILE = "metadata.json"
# Shipped sets: inside the installed wheel (`emotive_agents/_vectors`, copied there by setup.py's build
# step) or, in a source checkout / editable install, the repository's top-level `vectors/` directory.
_WHEEL_VECTORS = Path(__file__).resolve().parents[1] / "_vectors"
SHIPPED_DIR = _WHEEL_VECTORS if _WHEEL_VECTORS.is_dir() else Path(__file__).resolve().parents[2] / "vectors"
# Shipped set used when a model has no explicit vectors.
SHIPPED_DEFAULTS = {DEFAULT_MODEL: "smollm2-135m"}


def resolve_vector_path(name_or_path: str | Path) -> Path:
    """A directory path, or the name of a shipped set under vectors/."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    shipped = SHIPPED_DIR / str(name_or_path)
    if shipped.is_dir():
        return shipped
    available = sorted(p.name for p in SHIPPED_DIR.iterdir() if p.is_dir()) if SHIPPED_DIR.is_dir() else []
    raise VectorSetError(
        f"No vector set at {str(name_or_path)!r}: not a directory, nor a shipped set "
        f"(shipped: {', '.join(available) or 'none'})."
    )
