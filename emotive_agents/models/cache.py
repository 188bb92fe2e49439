"""Integrity of the converted-model cache: a manifest written last, checked on every start.

The embedded GGUF is dequantised once into a directory of the user cache. A directory left by a crash,
a full disk or a hand edit must not load half a model, so every start checks it in a few milliseconds
(no 540 MB hash): the manifest lists every file's size, and the safetensors header must describe
exactly the bytes on disk. Torch-free, like `paths`, so `emotive-agents info` can use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import uuid
from pathlib import Path

MANIFEST = "emotive-cache.json"
CACHE_FORMAT = 1
REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


def _files(directory: Path) -> dict[str, int]:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.name != MANIFEST)
    return {p.name: p.stat().st_size for p in files}


def write_manifest(directory: Path) -> None:
    """Record every file's size; written last, so its presence means the copy was complete."""
    manifest = {"format": CACHE_FORMAT, "files": _files(directory)}
    tmp = directory / f".{MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, directory / MANIFEST)


def _safetensors_problem(path: Path) -> str | None:
    """None when the header parses and its tensors end exactly at the end of the file."""
    size = path.stat().st_size
    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length <= 0 or 8 + length > size:
                return f"{path.name}: header length {length} does not fit in {size} bytes"
            header = json.loads(handle.read(length))
    except (OSError, ValueError, struct.error) as exc:
        return f"{path.name}: unreadable header ({exc})"
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"]
    if not ends:
        return f"{path.name}: no tensors"
    if 8 + length + max(ends) != size:
        return f"{path.name}: {size} bytes on disk, the header describes {8 + length + max(ends)}"
    return None


def structural_problem(directory: Path) -> str | None:
    """What is wrong with a converted copy judged from its own files (no manifest needed)."""
    missing = [name for name in REQUIRED if not (directory / name).is_file()]
    if missing:
        return f"missing {', '.join(missing)}"
    for name in ("config.json", "tokenizer_config.json"):
        try:
            json.loads((directory / name).read_text())
        except (OSError, ValueError) as exc:
            return f"{name} is not valid JSON ({exc})"
    return _safetensors_problem(directory / "model.safetensors")


def cache_problem(directory: Path) -> str | None:
    """None for a complete, intact converted copy; otherwise why it must be rebuilt.

    A copy converted before the manifest existed is adopted (the manifest is written) when its files
    pass the structural checks, so upgrading does not cost a second conversion.
    """
    if not directory.is_dir():
        return "not converted yet"
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        problem = structural_problem(directory)
        if problem is None:
            with contextlib.suppress(OSError):  # a read-only cache loads, checked structurally each time
                write_manifest(directory)
        return problem
    except (OSError, ValueError) as exc:
        return f"unreadable manifest ({exc})"
    if not isinstance(manifest, dict) or manifest.get("format") != CACHE_FORMAT:
        return "manifest of an unknown format"
    expected = manifest.get("files")
    if not isinstance(expected, dict):
        return "manifest lists no files"
    actual = _files(directory)
    for name, size in expected.items():
        if name not in actual:
            return f"missing {name}"
        if actual[name] != size:
            return f"{name} has {actual[name]} bytes, the manifest says {size}"
    return structural_problem(directory)


def discard(directory: Path) -> None:
    """Remove a broken copy: renamed aside first (atomic), so no reader sees it half deleted."""
    if not directory.exists():
        return
    aside = directory.with_name(f".stale-{directory.name}-{uuid.uuid4().hex[:8]}")
    try:
        os.replace(directory, aside)
    except OSError:
        return  # another process moved or replaced it first
    shutil.rmtree(aside, ignore_errors=True)
