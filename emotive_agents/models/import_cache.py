"""Import transformers without re-reading its ~2 000 model files on every start.

`import transformers` and the first `import transformers.models` each scan every model folder, read each
file and parse its `__all__` to build the lazy-module tables (`define_import_structure`; the two calls are
keyed differently in its `lru_cache`, so the scan runs twice). The tables are a pure function of those
files, so this module keeps them in the user cache, keyed by the transformers version and the name, size
and mtime of every file and folder the scan reads (stat only: ~50 ms against ~1 s of scanning).

Guarded: the cache answers only the calls made while `SCOPE` is imported, only when transformers is not
imported yet, and any problem (an unreadable or stale cache, a structure it cannot encode, a transformers
without the function) falls back to transformers' own scan. The wrapper is put in place right after
`transformers.utils.import_utils` executes and the original is put back once `SCOPE` is imported, so
nothing of it stays visible. `EMOTIVE_AGENTS_IMPORT_CACHE=0` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from emotive_agents.models.paths import default_cache_dir

ENV_SWITCH = "EMOTIVE_AGENTS_IMPORT_CACHE"
TARGET = "transformers.utils.import_utils"
FORMAT = 1
# Each asks for the tables once: the package, its `models` subpackage, and `processing_utils`, which
# executes transformers' `__init__` a second time (`direct_transformers_import`). Any other caller after
# the scope gets transformers' own scan (slower, never different).
SCOPE = ("transformers", "transformers.models", "transformers.processing_utils")
Structure = dict[frozenset[str], dict[str, set[str]]]


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def tree_fingerprint(root: Path) -> str:
    """Name, size and mtime of every file and folder the scan reads (it skips `__pycache__`)."""
    digest = hashlib.sha256()
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name == "__pycache__":
                    continue
                info = entry.stat()
                digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
                if entry.is_dir():
                    stack.append(entry.path)
    return digest.hexdigest()


def encode(structure: Structure) -> list[Any]:
    return [
        [sorted(key), {m: sorted(names) for m, names in sorted(v.items())}] for key, v in structure.items()
    ]


def decode(encoded: list[Any]) -> Structure:
    return {frozenset(key): {m: set(names) for m, names in modules.items()} for key, modules in encoded}


def _models_dir(module_path: Any) -> Path | None:
    """The transformers `models` folder when `module_path` is it (or its `__init__.py`), else None."""
    path = Path(module_path)
    folder = path.parent if path.name == "__init__.py" else path
    return folder if folder.name == "models" and folder.parent.name == "transformers" else None


class StructureCache:
    """One JSON file per transformers version; entries keyed by (path, prefix), valid for one fingerprint."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._fingerprints: dict[Path, str] = {}

    def fingerprint(self, folder: Path) -> str:
        if folder not in self._fingerprints:
            self._fingerprints[folder] = tree_fingerprint(folder)
        return self._fingerprints[folder]

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("format") == FORMAT else {}

    def get(self, key: str, folder: Path) -> Structure | None:
        entry = self._read().get("entries", {}).get(key)
        if not isinstance(entry, dict) or entry.get("fingerprint") != self.fingerprint(folder):
            return None
        return decode(entry["structure"])

    def put(self, key: str, folder: Path, structure: Structure) -> None:
        encoded = encode(structure)
        if decode(encoded) != structure:  # not the shape this cache understands: do not keep it
            return
        data = self._read() or {"format": FORMAT, "entries": {}}
        data["entries"][key] = {"fingerprint": self.fingerprint(folder), "structure": encoded}
        with contextlib.suppress(OSError):  # a read-only cache just means scanning each time
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(f".{self.file.name}.{uuid.uuid4().hex}")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.file)


def cached(original: Callable[..., Structure], cache: StructureCache) -> Callable[..., Structure]:
    """`define_import_structure`, answered from `cache` for the models folder; anything else: the original."""

    @functools.wraps(original)
    def define_import_structure(module_path: Any, prefix: str | None = None) -> Structure:
        folder = _models_dir(module_path)
        if folder is None:
            return original(module_path, prefix)
        key = f"{Path(module_path)}|{prefix}"
        try:
            hit = cache.get(key, folder)
        except Exception:  # a cache problem must never break importing transformers
            hit = None
        if hit is not None:
            return hit
        structure = original(module_path, prefix)
        with contextlib.suppress(Exception):
            cache.put(key, folder, structure)
        return structure

    return define_import_structure


class _Wrapping(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `transformers.utils.import_utils` as usual, then wraps its `define_import_structure`."""

    def __init__(self, cache: StructureCache) -> None:
        self.cache = cache
        self.original: Callable[..., Structure] | None = None
        self._loader: Any = None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        self._loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        original = getattr(module, "define_import_structure", None)
        if callable(original):
            self.original = original
            module.define_import_structure = cached(original, self.cache)


@contextlib.contextmanager
def _wrapped(cache: StructureCache) -> Iterator[None]:
    finder = _Wrapping(cache)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        module: Any = sys.modules.get(TARGET)
        if module is not None and finder.original is not None:
            module.define_import_structure = finder.original
            if module.__spec__ is not None and module.__spec__.loader is finder:
                module.__spec__.loader = finder._loader
                module.__loader__ = finder._loader


def cache_file(version: str) -> Path:
    return default_cache_dir() / f"transformers-{version}-import-structure.json"


def import_transformers() -> bool:
    """Import the modules of `SCOPE`, their tables from the cache; True if the cache was used."""
    if "transformers" in sys.modules or not enabled():
        for name in SCOPE:
            importlib.import_module(name)
        return False
    from importlib.metadata import PackageNotFoundError, version

    try:
        cache = StructureCache(cache_file(version("transformers")))
    except (PackageNotFoundError, ImportError, OSError, RuntimeError):  # no version, no cache dir
        for name in SCOPE:
            importlib.import_module(name)
        return False
    with _wrapped(cache):
        for name in SCOPE:
            importlib.import_module(name)
    return True
