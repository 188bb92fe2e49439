"""Read a model checkpoint without loading it: its config, size, dtype and weights fingerprint.

The fingerprint equals `fingerprint_model` of the loaded model (same names, shapes and fp16 head/tail
samples, read straight from the safetensors files), so a vector set can be checked against a model
in milliseconds. Torch-free: numpy reads the few bytes each tensor contributes.
"""

from __future__ import annotations

import hashlib
import json
import struct
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict

SAMPLE = 512  # elements hashed from each end of every tensor (as in loading.weights_hash)
_DTYPES = {  # safetensors dtype -> (numpy dtype, bytes per element)
    "F64": ("<f8", 8),
    "F32": ("<f4", 4),
    "F16": ("<f2", 2),
    "BF16": ("<u2", 2),
    "I64": ("<i8", 8),
    "I32": ("<i4", 4),
    "I16": ("<i2", 2),
    "I8": ("i1", 1),
    "U8": ("u1", 1),
    "BOOL": ("?", 1),
}
_EMBEDDING_SUFFIXES = ("embed_tokens.weight", "wte.weight", "word_embeddings.weight", "embed_in.weight")


class ModelFingerprint(BaseModel):
    """What a vector set must match to be applied to a model."""

    model_config = ConfigDict(frozen=True)

    name: str
    architecture: str
    model_type: str
    hidden_size: int
    num_layers: int
    weights_hash: str


class CheckpointInfo(BaseModel):
    """What a model directory says about itself, read from config.json and the weight files' headers."""

    path: str
    architecture: str | None
    model_type: str | None
    num_layers: int | None
    hidden_size: int | None
    dtype: str | None  # as stored in the checkpoint (models load as float32 unless asked otherwise)
    parameters: int | None  # from the safetensors headers
    size_bytes: int  # every file in the directory
    weight_files: list[str]
    weights_hash: str | None  # None: not safetensors, or tensors the loaded model would not have

    def fingerprint(self, name: str) -> ModelFingerprint | None:
        fields = (self.architecture, self.model_type, self.num_layers, self.hidden_size, self.weights_hash)
        if any(f is None for f in fields):
            return None
        return ModelFingerprint(
            name=name,
            architecture=str(self.architecture),
            model_type=str(self.model_type),
            hidden_size=int(self.hidden_size or 0),
            num_layers=int(self.num_layers or 0),
            weights_hash=str(self.weights_hash),
        )


def _text_config(config: dict[str, Any]) -> dict[str, Any]:
    nested = config.get("text_config")
    return nested if isinstance(nested, dict) else config


def _first_int(config: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = config.get(key)
        if isinstance(value, int):
            return value
    return None


def _header(handle: BinaryIO) -> tuple[dict[str, Any], int]:
    (length,) = struct.unpack("<Q", handle.read(8))
    header: dict[str, Any] = json.loads(handle.read(length))
    header.pop("__metadata__", None)
    return header, 8 + length


def _weight_files(directory: Path) -> list[Path]:
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [directory / shard for shard in shards]
    single = directory / "model.safetensors"
    return [single] if single.is_file() else []


def _fp16_sample(handle: BinaryIO, base: int, entry: dict[str, Any]) -> bytes:
    """The head and tail SAMPLE elements of one tensor, as fp16 bits (what loading.weights_hash hashes)."""
    import numpy as np

    kind, width = _DTYPES[entry["dtype"]]
    start, end = entry["data_offsets"]
    count = (end - start) // width
    take = min(SAMPLE, count)
    handle.seek(base + start)
    head = np.frombuffer(handle.read(take * width), dtype=kind)
    handle.seek(base + end - take * width)
    tail = np.frombuffer(handle.read(take * width), dtype=kind)
    values = np.concatenate([head, tail])
    if entry["dtype"] == "BF16":  # bf16 is the top half of an fp32
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return bytes(values.astype(np.float16).view(np.int16).tobytes())


def _weights_hash(files: list[Path], config: dict[str, Any]) -> tuple[str | None, int]:
    """(hash, parameter count) from safetensors files; tied output embeddings are added back as
    `state_dict()` reports them."""
    entries: dict[str, tuple[Path, int, dict[str, Any]]] = {}
    for path in files:
        with path.open("rb") as handle:
            header, base = _header(handle)
        entries.update({name: (path, base, entry) for name, entry in header.items()})
    parameters = sum(
        (e["data_offsets"][1] - e["data_offsets"][0]) // _DTYPES.get(e["dtype"], ("", 1))[1]
        for _, _, e in entries.values()
    )
    if any(e["dtype"] not in _DTYPES for _, _, e in entries.values()):
        return None, parameters
    if config.get("tie_word_embeddings", True) and "lm_head.weight" not in entries:
        embedding = next((n for n in sorted(entries) if n.endswith(_EMBEDDING_SUFFIXES)), None)
        if embedding is not None:
            entries["lm_head.weight"] = entries[embedding]
    digest = hashlib.sha256()
    with ExitStack() as stack:
        handles: dict[Path, BinaryIO] = {path: stack.enter_context(path.open("rb")) for path in files}
        for name in sorted(entries):
            path, base, entry = entries[name]
            digest.update(f"{name}:{tuple(entry['shape'])};".encode())
            digest.update(_fp16_sample(handles[path], base, entry))
    return digest.hexdigest()[:32], parameters


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def read_checkpoint(directory: str | Path) -> CheckpointInfo:
    """Describe the model in `directory` (config.json plus safetensors headers); no weights are loaded."""
    path = Path(directory)
    config_path = path / "config.json"
    config: dict[str, Any] = json.loads(config_path.read_text()) if config_path.is_file() else {}
    text = _text_config(config)
    architectures = config.get("architectures") or []
    files = _weight_files(path)
    weights_hash, parameters = _weights_hash(files, config) if files else (None, None)
    dtype = config.get("dtype") or config.get("torch_dtype") or text.get("dtype") or text.get("torch_dtype")
    return CheckpointInfo(
        path=str(path),
        architecture=str(architectures[0]) if architectures else None,
        model_type=config.get("model_type"),
        num_layers=_first_int(text, ("num_hidden_layers", "n_layer", "num_layers")),
        hidden_size=_first_int(text, ("hidden_size", "n_embd", "d_model")),
        dtype=str(dtype) if dtype else None,
        parameters=parameters,
        size_bytes=_size(path),
        weight_files=[f.name for f in files],
        weights_hash=weights_hash,
    )
