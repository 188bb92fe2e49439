"""Save and load vector sets: a directory with vectors.safetensors and metadata.json.

Loading checks everything a wrong file could get wrong (model, shapes, finiteness, names, checksum)
so that a bad vector set fails loudly instead of steering a model into noise.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import ValidationError
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from emotive_agents.errors import VectorSetError
from emotive_agents.models.checkpoint import ModelFingerprint
from emotive_agents.vectors.paths import (
    METADATA_FILE,
    SHIPPED_DEFAULTS,
    SHIPPED_DIR,
    TENSORS_FILE,
    resolve_vector_path,
)
from emotive_agents.vectors.vector_set import (
    FORMAT_VERSION,
    EmotionVectorSet,
    VectorSetMetadata,
    tensors_digest,
)


def save_vector_set(vector_set: EmotionVectorSet, directory: str | Path) -> Path:
    """Write atomically (a staging directory renamed into place) so a crash never leaves half a set."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        tensors = {name: vector_set.vectors[i].contiguous() for i, name in enumerate(vector_set.emotions)}
        save_file(tensors, str(staging / TENSORS_FILE), metadata={"format": "emotive-agents"})
        (staging / METADATA_FILE).write_text(vector_set.metadata.model_dump_json(indent=2) + "\n")
        staging.chmod(0o755)  # mkdtemp makes it private; vector sets are meant to be shared
        for name in (TENSORS_FILE, METADATA_FILE):
            (staging / name).chmod(0o644)
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(target, backup)
            os.replace(staging, target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def check_compatible(metadata: VectorSetMetadata, model: ModelFingerprint, *, strict: bool = True) -> None:
    """Refuse vectors made for another model; `strict=False` accepts other weights of one architecture."""
    made = metadata.model
    shape_fields = ("model_type", "hidden_size", "num_layers")
    mismatched = [f for f in shape_fields if getattr(made, f) != getattr(model, f)]
    if mismatched or (strict and made.weights_hash != model.weights_hash):
        detail = ", ".join(
            f"{f}: vectors {getattr(made, f)!r} vs model {getattr(model, f)!r}"
            for f in (*shape_fields, "weights_hash")
            if getattr(made, f) != getattr(model, f)
        )
        hint = "" if mismatched else " Pass strict=False to use them on a fine-tune of the same architecture."
        raise VectorSetError(
            f"These vectors were made for model {made.name!r}, not {model.name!r} ({detail}).{hint}"
        )


def load_vector_set(
    name_or_path: str | Path, *, model: ModelFingerprint | None = None, strict: bool = True
) -> EmotionVectorSet:
    """Load and validate a vector set; with `model`, also check it was made for that model."""
    directory = resolve_vector_path(name_or_path)
    try:
        raw = json.loads((directory / METADATA_FILE).read_text())
    except FileNotFoundError:
        raise VectorSetError(f"{directory} has no {METADATA_FILE}; is it a vector set directory?") from None
    except ValueError as exc:
        raise VectorSetError(f"{directory / METADATA_FILE} is not valid JSON: {exc}") from None
    version = raw.get("format_version", FORMAT_VERSION) if isinstance(raw, dict) else FORMAT_VERSION
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise VectorSetError(
            f"{directory} uses vector format {raw['format_version']}; this library reads up to "
            f"{FORMAT_VERSION}. Upgrade emotive-agents."
        )
    try:
        metadata = VectorSetMetadata.model_validate(raw)
    except ValidationError as exc:
        raise VectorSetError(f"{directory / METADATA_FILE} has invalid metadata:\n{exc}") from None
    try:
        tensors = load_file(str(directory / TENSORS_FILE))
    except FileNotFoundError:
        raise VectorSetError(f"{directory} has no {TENSORS_FILE}") from None
    except (SafetensorError, OSError) as exc:
        raise VectorSetError(f"{directory / TENSORS_FILE} is unreadable: {exc}") from None
    names = set(tensors)
    if names != set(metadata.emotions):
        raise VectorSetError(
            f"{directory}: tensors {sorted(names)} do not match the metadata's emotions "
            f"{sorted(metadata.emotions)}"
        )
    import torch

    shape = (metadata.model.num_layers, metadata.model.hidden_size)
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != shape:
            raise VectorSetError(
                f"{directory}: vector {name!r} has shape {tuple(tensor.shape)}, expected {shape} "
                "(layers, hidden) for the model in the metadata"
            )
    stacked = torch.stack([tensors[name].float() for name in metadata.emotions])
    vector_set = EmotionVectorSet(stacked, metadata)  # checks NaN/inf
    if metadata.tensors_sha256 and tensors_digest(stacked) != metadata.tensors_sha256:
        raise VectorSetError(f"{directory}: tensors do not match the checksum in {METADATA_FILE}")
    if model is not None:
        check_compatible(metadata, model, strict=strict)
    return vector_set


__all__ = [
    "METADATA_FILE",
    "SHIPPED_DEFAULTS",
    "SHIPPED_DIR",
    "TENSORS_FILE",
    "check_compatible",
    "load_vector_set",
    "resolve_vector_path",
    "save_vector_set",
]
