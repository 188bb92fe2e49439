"""EmotionMix validation and arithmetic, and the [rows, emotions] coefficient matrix."""

from __future__ import annotations

import pydantic
import pytest
import torch

from emotive_agents.errors import UnknownEmotionError
from emotive_agents.steering.mix import MAX_INTENSITY, EmotionMix, coefficient_matrix
from emotive_agents.vectors.vector_set import EmotionVectorSet


def test_plain_mapping_and_explicit_field_are_equivalent() -> None:
    plain = EmotionMix.model_validate({"joy": 0.8, "fear": -0.4})
    assert plain == EmotionMix(intensities={"joy": 0.8, "fear": -0.4})
    assert EmotionMix.model_validate({"joy": 1}).intensities == {"joy": 1.0}
    assert EmotionMix.model_validate({"intensities": {"joy": 1}}).intensities == {"joy": 1.0}


def test_coerce() -> None:
    mix = EmotionMix.coerce({"joy": 1.0})
    assert EmotionMix.coerce(mix) is mix
    assert EmotionMix.coerce({"anger": 0.5}).intensities == {"anger": 0.5}
    assert EmotionMix.coerce(None) == EmotionMix()
    assert EmotionMix.coerce({}).is_neutral


@pytest.mark.parametrize(
    "intensities",
    [
        {"joy": float("nan")},
        {"joy": float("inf")},
        {"joy": float("-inf")},
        {"joy": MAX_INTENSITY + 0.01},
        {"anger": -MAX_INTENSITY - 1},
        {"Joy": 1.0},
        {"joy!": 1.0},
        {"": 1.0},
        {"9lives": 1.0},
        {"joy": "very"},
    ],
)
def test_invalid_mixes_are_rejected(intensities) -> None:
    with pytest.raises(pydantic.ValidationError):
        EmotionMix(intensities=intensities)
    with pytest.raises(pydantic.ValidationError):
        EmotionMix.coerce(intensities)


def test_limits_are_inclusive() -> None:
    mix = EmotionMix.coerce({"joy": MAX_INTENSITY, "anger": -MAX_INTENSITY})
    assert mix.intensities == {"joy": MAX_INTENSITY, "anger": -MAX_INTENSITY}


def test_mix_is_frozen() -> None:
    mix = EmotionMix.coerce({"joy": 1.0})
    with pytest.raises(pydantic.ValidationError):
        mix.intensities = {}  # type: ignore[misc]


def test_is_neutral() -> None:
    assert EmotionMix().is_neutral
    assert EmotionMix.coerce({"joy": 0.0, "anger": 0}).is_neutral
    assert not EmotionMix.coerce({"joy": 0.0, "anger": -0.1}).is_neutral


def test_arithmetic() -> None:
    a = EmotionMix.coerce({"joy": 1.0, "fear": -0.5})
    b = EmotionMix.coerce({"joy": 0.5, "anger": 2.0})
    assert (a + b).intensities == {"joy": 1.5, "fear": -0.5, "anger": 2.0}
    assert (a * 2).intensities == {"joy": 2.0, "fear": -1.0}
    assert (0.5 * a).intensities == {"joy": 0.5, "fear": -0.25}
    assert a.as_dict() == {"joy": 1.0, "fear": -0.5}
    assert a.as_dict() is not a.intensities
    with pytest.raises(pydantic.ValidationError):
        a * (MAX_INTENSITY + 1)  # the result is validated too


def test_coefficient_matrix(llama_vectors) -> None:
    mixes = [
        EmotionMix.coerce({"joy": 0.5}),
        EmotionMix(),
        EmotionMix.coerce({"anger": -1.0, "base": 2.0, "joy": 0.25}),
    ]
    matrix = coefficient_matrix(llama_vectors, mixes)
    assert llama_vectors.emotions == ("joy", "anger", "sadness", "base")
    expected = torch.tensor([[0.5, 0, 0, 0], [0, 0, 0, 0], [0.25, -1.0, 0, 2.0]])
    assert torch.equal(matrix, expected)
    assert matrix.dtype == torch.float32


def test_coefficient_matrix_applies_intensity_scale(llama_vectors) -> None:
    scaled = EmotionVectorSet(
        llama_vectors.vectors,
        llama_vectors.metadata.model_copy(update={"intensity_scale": {"joy": 4.0, "anger": 0.5}}),
    )
    matrix = coefficient_matrix(scaled, [EmotionMix.coerce({"joy": 0.5, "anger": -2.0, "sadness": 1.0})])
    assert torch.equal(matrix, torch.tensor([[2.0, -1.0, 1.0, 0.0]]))


def test_coefficient_matrix_unknown_emotion(llama_vectors) -> None:
    with pytest.raises(UnknownEmotionError, match="'fear'"):
        coefficient_matrix(llama_vectors, [EmotionMix.coerce({"joy": 1.0}), EmotionMix.coerce({"fear": 0.0})])
