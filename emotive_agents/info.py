"""`emotive-agents info`: which model and vector set a command would use, and whether they fit together.

Everything is read from files (config.json, safetensors headers, metadata.json, package metadata), so
the answer takes milliseconds and never imports torch or transformers nor loads any weights.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from pydantic import BaseModel

from emotive_agents.cli_options import ModelOpt, VectorsOpt, fail
from emotive_agents.errors import EmotiveError, VectorSetError
from emotive_agents.models.checkpoint import ModelFingerprint, read_checkpoint
from emotive_agents.models.paths import DEFAULT_MODEL, EMBEDDED_ARCHITECTURE, embedded_model_dir, is_converted
from emotive_agents.vectors.paths import METADATA_FILE, SHIPPED_DEFAULTS, resolve_vector_path

PACKAGES = ("emotive-agents", "torch", "transformers", "langchain-core", "llama-index-core")
# What check_compatible compares: shape fields always, the weights hash unless strict=False.
SHAPE_FIELDS = ("model_type", "hidden_size", "num_layers")


class ModelInfo(BaseModel):
    name: str
    source: Literal["embedded", "local", "hub"]
    path: str | None  # None: not on this machine
    cached: bool  # the weights are on disk (the embedded model: already converted)
    architecture: str | None = None
    model_type: str | None = None
    num_layers: int | None = None
    hidden_size: int | None = None
    dtype: str | None = None  # as stored; commands load float32 unless --dtype says otherwise
    parameters: int | None = None
    size_bytes: int | None = None
    weights_hash: str | None = None
    note: str | None = None


class VectorsInfo(BaseModel):
    name: str
    path: str
    format_version: int | None
    emotions: list[str]
    recipe: dict[str, Any]
    method: dict[str, Any]  # pooling, component (raw/specific), placement of the emotion prompt
    calibrated_scales: dict[str, float]  # intensity 1.0 of an emotion = this alpha
    recommended_range: list[float]
    dataset_hash: str | None
    created_with: dict[str, Any]
    made_for: ModelFingerprint


class FingerprintMatch(BaseModel):
    compatible: bool | None  # the shape fields agree (None: the model's config is not on disk)
    weights_match: bool | None  # the weights hash agrees (None: the weights are not readable)
    mismatched: list[str]


class InfoReport(BaseModel):
    model: ModelInfo
    vectors: VectorsInfo | None
    fingerprint_match: FingerprintMatch | None
    versions: dict[str, str | None]


def _locate(name: str) -> tuple[Literal["embedded", "local", "hub"], Path | None, bool, str | None]:
    """(source, directory, cached, note) without converting or downloading anything."""
    if name == DEFAULT_MODEL:
        try:
            directory = embedded_model_dir()
        except EmotiveError as exc:
            return "embedded", None, False, str(exc)
        cached = is_converted(directory)
        return "embedded", directory, cached, None if cached else "converted on first use (about 18 s)"
    path = Path(name).expanduser()
    if path.is_dir():
        return "local", path.resolve(), True, None
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(name, "config.json")
    except Exception as exc:  # a name that is no valid repo id, or no hub library
        return "hub", None, False, f"not a local directory and not in the Hugging Face cache ({exc})"
    if isinstance(found, str):
        return "hub", Path(found).parent, True, None
    return "hub", None, False, "not a local directory and not in the Hugging Face cache"


def model_info(name: str) -> ModelInfo:
    source, directory, cached, note = _locate(name)
    info = ModelInfo(
        name=name, source=source, path=str(directory) if directory else None, cached=cached, note=note
    )
    if directory is None or not cached:
        return info
    checkpoint = read_checkpoint(directory)
    architecture = checkpoint.architecture or (EMBEDDED_ARCHITECTURE if source == "embedded" else None)
    return info.model_copy(
        update={
            "architecture": architecture,
            "model_type": checkpoint.model_type,
            "num_layers": checkpoint.num_layers,
            "hidden_size": checkpoint.hidden_size,
            "dtype": checkpoint.dtype,
            "parameters": checkpoint.parameters,
            "size_bytes": checkpoint.size_bytes,
            "weights_hash": checkpoint.weights_hash,
        }
    )


def vectors_info(name_or_path: str) -> VectorsInfo:
    directory = resolve_vector_path(name_or_path)
    try:
        raw = json.loads((directory / METADATA_FILE).read_text())
        made_for = ModelFingerprint.model_validate(raw["model"])
    except FileNotFoundError:
        raise VectorSetError(f"{directory} has no {METADATA_FILE}; is it a vector set directory?") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise VectorSetError(f"{directory / METADATA_FILE} is not valid vector set metadata: {exc}") from None
    created: dict[str, Any] = raw.get("created") or {}
    calibration = created.get("calibration") or {}
    return VectorsInfo(
        name=str(name_or_path),
        path=str(directory.resolve()),
        format_version=raw.get("format_version"),
        emotions=list(raw.get("emotions", [])),
        recipe=raw.get("recipe") or {},
        method={
            "pooling": raw.get("pooling"),
            "component": created.get("component"),
            "placement": created.get("placement"),
        },
        calibrated_scales=raw.get("intensity_scale") or {},
        recommended_range=list(raw.get("intensity_range") or (-1.0, 1.0)),
        dataset_hash=raw.get("dataset_hash"),
        created_with={
            "library_version": raw.get("library_version"),
            "created_at": raw.get("created_at"),
            **{k: created[k] for k in ("queries", "max_new_tokens", "limit") if k in created},
            "calibration": {k: calibration[k] for k in ("alphas", "queries") if k in calibration} or None,
        },
        made_for=made_for,
    )


def fingerprint_match(model: ModelInfo, made_for: ModelFingerprint) -> FingerprintMatch:
    if model.model_type is None:
        return FingerprintMatch(compatible=None, weights_match=None, mismatched=[])
    mismatched = [f for f in SHAPE_FIELDS if getattr(model, f) != getattr(made_for, f)]
    weights = None if model.weights_hash is None else model.weights_hash == made_for.weights_hash
    if weights is False:
        mismatched.append("weights_hash")
    return FingerprintMatch(
        compatible=not [f for f in mismatched if f in SHAPE_FIELDS],
        weights_match=weights,
        mismatched=mismatched,
    )


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            found[package] = None
    return found


def collect(model: str = DEFAULT_MODEL, vectors: str | None = None) -> InfoReport:
    """The model (read from disk), its vector set (given, or the model's shipped one) and versions."""
    described = model_info(model)
    source = vectors if vectors is not None else SHIPPED_DEFAULTS.get(model)
    vector_info = vectors_info(source) if source is not None else None
    match = fingerprint_match(described, vector_info.made_for) if vector_info is not None else None
    return InfoReport(model=described, vectors=vector_info, fingerprint_match=match, versions=versions())


def _size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    return f"{size / 1e6:.1f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"


def _match_text(match: FingerprintMatch) -> str:
    if match.compatible is None:
        return "unknown: the model is not on disk yet"
    if not match.compatible:
        return f"no: the vectors were made for another model ({', '.join(match.mismatched)} differ)"
    if match.weights_match is None:
        return "shape only: same architecture and size; the weights could not be read to compare"
    if match.weights_match:
        return "yes: the vectors were made for these weights"
    return "shape only: same architecture, other weights (a fine-tune? load with strict=False)"


def format_info(report: InfoReport) -> str:
    m = report.model
    lines = [f"model      {m.name} ({m.source})"]
    if m.path:
        lines.append(f"  path     {m.path} ({_size(m.size_bytes) if m.cached else 'not cached'})")
    if m.model_type is not None:
        params = f", {m.parameters / 1e6:.1f}M parameters" if m.parameters else ""
        lines.append(
            f"  arch     {m.architecture or '?'} ({m.model_type}), {m.num_layers} layers, "
            f"hidden {m.hidden_size}, {m.dtype or 'dtype unknown'}{params}"
        )
        lines.append(f"  weights  hash {m.weights_hash or 'unreadable (not safetensors)'}")
    if m.note:
        lines.append(f"  note     {m.note}")
    v = report.vectors
    if v is None:
        lines.append("vectors    none shipped for this model (pass --vectors)")
    else:
        recipe = v.recipe
        layers = recipe.get("layers")
        layer_text = "all" if layers is None else f"{layers[0]}-{layers[-1]}" if layers else "none"
        scales = ", ".join(f"{k} {s:g}" for k, s in v.calibrated_scales.items()) or "none (uncalibrated)"
        made = v.created_with
        extra = ", ".join(
            f"{k.replace('_', ' ')} {made[k]}" for k in ("queries", "max_new_tokens") if k in made
        )
        lines += [
            f"vectors    {v.name} ({v.path})",
            f"  emotions {', '.join(v.emotions)}",
            f"  recipe   hook {recipe.get('hook_point')}, positions {recipe.get('positions')}, "
            f"layers {layer_text}",
            f"  method   {v.method['pooling']} pooling, component {v.method['component'] or '?'}, "
            f"prompt placement {v.method['placement'] or 'system'}",
            f"  scales   {scales} (intensity 1.0 = this alpha)",
            f"  range    {v.recommended_range[0]:g} to {v.recommended_range[1]:g}",
            f"  dataset  {v.dataset_hash or 'unknown'}",
            f"  created  {made.get('created_at')} with emotive-agents {made.get('library_version') or '?'}"
            + (f" ({extra})" if extra else ""),
        ]
    if report.fingerprint_match is not None:
        lines.append(f"match      {_match_text(report.fingerprint_match)}")
    lines.append("versions   " + ", ".join(f"{k} {v or 'not installed'}" for k, v in report.versions.items()))
    return "\n".join(lines)


def info(
    model: ModelOpt = DEFAULT_MODEL,
    vectors: VectorsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show the resolved model, its vector set, library versions and whether the vectors fit the model."""
    try:
        report = collect(model, vectors)
    except EmotiveError as exc:
        fail(str(exc))
    typer.echo(report.model_dump_json(indent=2) if as_json else format_info(report))


def register(app: typer.Typer) -> None:
    app.command()(info)
