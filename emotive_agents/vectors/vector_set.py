"""Emotion Vector sets: per-layer directions for named emotions, their metadata and arithmetic."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator

from emotive_agents.errors import UnknownEmotionError, VectorSetError
from emotive_agents.mix import EMOTION_NAME as EMOTION_NAME  # re-exported for older imports
from emotive_agents.mix import check_emotion_name
from emotive_agents.models.loading import ModelFingerprint
from emotive_agents.vectors.recipe import SteeringRecipe

BASIC_EMOTIONS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness")
BASE = "base"
# 2: `scales_sha256` covers intensity_scale and intensity_range (format 1 had only the tensor checksum).
FORMAT_VERSION = 2
MAX_INTENSITY_SCALE = 100.0  # calibrated alphas are 0.25-4 on the shipped set; 1e6 is a corruption
MAX_RANGE = 5.0  # the same bound as an EmotionMix intensity


class VectorSetMetadata(BaseModel):
    """Everything needed to check and apply a vector set; stored as metadata.json beside the tensors."""

    model_config = ConfigDict(frozen=True)

    format_version: int = Field(default=FORMAT_VERSION, strict=True, ge=1)
    emotions: tuple[str, ...]
    model: ModelFingerprint
    recipe: SteeringRecipe = SteeringRecipe()
    pooling: str = "response_mean"
    dataset_hash: str | None = None
    norms: dict[str, list[float]] = Field(default_factory=dict)
    # Intensity 1.0 of emotion k means alpha = intensity_scale[k]; calibration sets these per emotion.
    intensity_scale: dict[str, float] = Field(default_factory=dict)
    intensity_range: tuple[float, float] = (-1.0, 1.0)
    created: dict[str, Any] = Field(default_factory=dict)
    created_at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    library_version: str = ""
    tensors_sha256: str = ""
    scales_sha256: str = ""  # sha256 of intensity_scale + intensity_range (format 2)

    @field_validator("intensity_scale")
    @classmethod
    def _valid_scales(cls, value: dict[str, float]) -> dict[str, float]:
        for name, scale in value.items():
            if not (math.isfinite(scale) and 0.0 < scale <= MAX_INTENSITY_SCALE):
                raise ValueError(
                    f"intensity_scale of {name!r} is {scale}; it must be a finite number in "
                    f"(0, {MAX_INTENSITY_SCALE:g}]"
                )
        return value

    @field_validator("intensity_range")
    @classmethod
    def _valid_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        lo, hi = value
        if not (math.isfinite(lo) and math.isfinite(hi) and -MAX_RANGE <= lo < hi <= MAX_RANGE):
            raise ValueError(
                f"intensity_range {list(value)} must be two finite numbers lo < hi within "
                f"[-{MAX_RANGE:g}, {MAX_RANGE:g}]"
            )
        return value

    @field_validator("emotions")
    @classmethod
    def _valid_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            check_emotion_name(name)
        if len(set(value)) != len(value):
            raise ValueError("emotion names must be unique")
        return value

    def scale(self, emotion: str) -> float:
        return self.intensity_scale.get(emotion, 1.0)


class EmotionVector:
    """One direction per layer ([layers, hidden]); supports +, -, scalar * and negation."""

    __slots__ = ("name", "tensor")

    def __init__(self, name: str, tensor: torch.Tensor) -> None:
        if tensor.dim() != 2:
            raise VectorSetError(f"an emotion vector is [layers, hidden]; got shape {tuple(tensor.shape)}")
        self.name = name
        self.tensor = tensor

    def __add__(self, other: EmotionVector) -> EmotionVector:
        self._check_same_shape(other)
        return EmotionVector(f"({self.name}+{other.name})", self.tensor + other.tensor)

    def __sub__(self, other: EmotionVector) -> EmotionVector:
        self._check_same_shape(other)
        return EmotionVector(f"({self.name}-{other.name})", self.tensor - other.tensor)

    def __mul__(self, factor: float) -> EmotionVector:
        return EmotionVector(f"{factor:g}*{self.name}", self.tensor * float(factor))

    __rmul__ = __mul__

    def __neg__(self) -> EmotionVector:
        return EmotionVector(f"-{self.name}", -self.tensor)

    def norms(self) -> list[float]:
        return [round(float(x), 6) for x in self.tensor.float().norm(dim=-1)]

    def _check_same_shape(self, other: EmotionVector) -> None:
        if self.tensor.shape != other.tensor.shape:
            raise VectorSetError(
                f"cannot combine vectors of shapes {tuple(self.tensor.shape)} and {tuple(other.tensor.shape)}"
            )

    def __repr__(self) -> str:
        return f"EmotionVector({self.name!r}, layers={self.tensor.shape[0]}, hidden={self.tensor.shape[1]})"


def tensors_digest(vectors: torch.Tensor) -> str:
    return hashlib.sha256(vectors.detach().cpu().float().contiguous().numpy().tobytes()).hexdigest()


def scales_digest(metadata: VectorSetMetadata) -> str:
    """sha256 of what turns an intensity into an alpha: the per-emotion scales and the intensity range."""
    payload = {
        "intensity_scale": {k: float(v) for k, v in sorted(metadata.intensity_scale.items())},
        "intensity_range": [float(x) for x in metadata.intensity_range],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def sealed(metadata: VectorSetMetadata, vectors: torch.Tensor) -> VectorSetMetadata:
    """The metadata with fresh checksums over `vectors` and its scales, at the current format."""
    digest = scales_digest(metadata)
    return metadata.model_copy(
        update={
            "format_version": FORMAT_VERSION,
            "tensors_sha256": tensors_digest(vectors),
            "scales_sha256": digest,
        }
    )


class EmotionVectorSet:
    """Named emotion vectors for one model: a [emotions, layers, hidden] float32 bank plus metadata."""

    def __init__(self, vectors: torch.Tensor, metadata: VectorSetMetadata) -> None:
        expected = (len(metadata.emotions), metadata.model.num_layers, metadata.model.hidden_size)
        if tuple(vectors.shape) != expected:
            raise VectorSetError(
                f"vector tensor has shape {tuple(vectors.shape)} but the metadata describes {expected} "
                "(emotions, layers, hidden)"
            )
        if not torch.isfinite(vectors).all():
            bad = [e for i, e in enumerate(metadata.emotions) if not torch.isfinite(vectors[i]).all()]
            raise VectorSetError(f"vectors contain NaN or inf values (emotions: {', '.join(bad)})")
        self.vectors = vectors.detach().to(dtype=torch.float32, device="cpu").contiguous()
        self.metadata = metadata
        self._index = {name: i for i, name in enumerate(metadata.emotions)}

    @classmethod
    def from_vectors(
        cls,
        vectors: Mapping[str, torch.Tensor | EmotionVector],
        model: ModelFingerprint,
        *,
        add_base: bool = True,
        **metadata: Any,
    ) -> EmotionVectorSet:
        """Build a set from named [layers, hidden] tensors; adds EV_base (mean of the basic emotions)."""
        tensors = {k: (v.tensor if isinstance(v, EmotionVector) else v).float() for k, v in vectors.items()}
        shapes = {tuple(t.shape) for t in tensors.values()}
        if len(shapes) > 1 or any(len(s) != 2 for s in shapes):
            raise VectorSetError(f"all vectors must share one [layers, hidden] shape; got {sorted(shapes)}")
        if add_base and BASE not in tensors and tensors:
            members = [tensors[e] for e in BASIC_EMOTIONS if e in tensors] or list(tensors.values())
            tensors[BASE] = torch.stack(members).mean(0)
        names = tuple(tensors)
        stacked = torch.stack([tensors[n] for n in names]) if names else torch.zeros(0, 0, 0)
        from emotive_agents._version import __version__

        meta = VectorSetMetadata(
            emotions=names,
            model=model,
            norms={n: EmotionVector(n, tensors[n]).norms() for n in names},
            library_version=__version__,
            **metadata,
        )
        return cls(stacked, sealed(meta, stacked))

    @property
    def emotions(self) -> tuple[str, ...]:
        return self.metadata.emotions

    @property
    def recipe(self) -> SteeringRecipe:
        return self.metadata.recipe

    def index(self, emotion: str) -> int:
        try:
            return self._index[emotion]
        except KeyError:
            raise UnknownEmotionError(
                f"unknown emotion {emotion!r}; this vector set has: {', '.join(self.emotions)}"
            ) from None

    def __contains__(self, emotion: object) -> bool:
        return emotion in self._index

    def __getitem__(self, emotion: str) -> EmotionVector:
        return EmotionVector(emotion, self.vectors[self.index(emotion)])

    def __iter__(self) -> Iterable[EmotionVector]:
        return (self[name] for name in self.emotions)

    def __len__(self) -> int:
        return len(self.emotions)

    @property
    def base(self) -> EmotionVector:
        """EV_base: the stored base vector, or the mean of the basic emotions present."""
        if BASE in self:
            return self[BASE]
        members = [e for e in BASIC_EMOTIONS if e in self] or list(self.emotions)
        return EmotionVector(BASE, self.vectors[[self.index(e) for e in members]].mean(0))

    def emotion_specific(self) -> EmotionVectorSet:
        """Remove each vector's projection on EV_base per layer, keeping its per-layer norm.

        Raw EVs share cos~0.9 with EV_base (a generic "emotional register" direction); the remainder
        is what tells joy from anger. The base vector itself is kept unchanged.
        """
        base = self.base.tensor
        unit = base / base.norm(dim=-1, keepdim=True).clamp_min(1e-8)
        tensors = {}
        for i, name in enumerate(self.emotions):
            vector = self.vectors[i]
            if name != BASE:
                residual = vector - (vector * unit).sum(-1, keepdim=True) * unit
                scale = vector.norm(dim=-1, keepdim=True) / residual.norm(dim=-1, keepdim=True).clamp_min(
                    1e-8
                )
                vector = residual * scale
            tensors[name] = vector
        if BASE not in tensors:
            tensors[BASE] = base
        return self._rebuild(tensors)

    def mean_centred(self) -> EmotionVectorSet:
        """EV_e minus the mean over all conditions, neutral included (EV_neutral = 0 by definition).

        With EV_e = mean_e - mean_neutral this is mean_e - mean over conditions: what is common to
        every tone (writing in *some* register) cancels, as in mean-centring (Jorgensen et al.).
        The base vector is kept unchanged.
        """
        names = [n for n in self.emotions if n != BASE]
        if not names:
            return self
        shared = self.vectors[[self.index(n) for n in names]].sum(0) / (len(names) + 1)
        tensors = {
            n: self.vectors[i] - shared if n != BASE else self.vectors[i] for i, n in enumerate(self.emotions)
        }
        if BASE not in tensors:
            tensors[BASE] = self.base.tensor
        return self._rebuild(tensors)

    def with_vector(self, vector: EmotionVector, name: str | None = None) -> EmotionVectorSet:
        """A new set with one more (or a replaced) vector, e.g. a user-defined mix or custom style."""
        name = check_emotion_name(name or vector.name)
        tensors = {n: self.vectors[i] for i, n in enumerate(self.emotions)}
        tensors[name] = vector.tensor.float()
        return self._rebuild(tensors)

    def scaled(self, factors: Mapping[str, float]) -> EmotionVectorSet:
        """A new set with some emotions' vectors multiplied (e.g. after calibration)."""
        tensors = {n: self.vectors[i] * float(factors.get(n, 1.0)) for i, n in enumerate(self.emotions)}
        return self._rebuild(tensors)

    def _rebuild(self, tensors: Mapping[str, torch.Tensor]) -> EmotionVectorSet:
        meta = self.metadata.model_dump(
            exclude={"emotions", "norms", "tensors_sha256", "scales_sha256", "model", "library_version"}
        )
        return EmotionVectorSet.from_vectors(tensors, self.metadata.model, add_base=False, **meta)

    def __repr__(self) -> str:
        return (
            f"EmotionVectorSet(model={self.metadata.model.name!r}, emotions={list(self.emotions)}, "
            f"layers={self.metadata.model.num_layers}, hook={self.recipe.hook_point.value})"
        )
