"""Resealing upgrades a format-1 set to format 2 only when its tensors match their checksum."""

from __future__ import annotations

import json

import pytest
import torch
from _tiny import LLAMA_LAYERS, random_vectors
from safetensors.torch import load_file, save_file

from emotive_agents.errors import VectorSetError
from emotive_agents.vectors.reseal import main, reseal
from emotive_agents.vectors.store import METADATA_FILE, TENSORS_FILE, load_vector_set, save_vector_set
from emotive_agents.vectors.vector_set import FORMAT_VERSION, EmotionVectorSet


@pytest.fixture
def format_1(tmp_path, tiny_llama):
    vectors = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS), tiny_llama.fingerprint)
    folder = save_vector_set(vectors, tmp_path / "old")
    path = folder / METADATA_FILE
    raw = json.loads(path.read_text())
    raw.pop("scales_sha256")
    raw["format_version"] = 1
    path.write_text(json.dumps(raw))
    return folder


def test_reseal_adds_the_scales_checksum(format_1) -> None:
    reseal(format_1)
    loaded = load_vector_set(format_1)
    assert loaded.metadata.format_version == FORMAT_VERSION
    assert loaded.metadata.scales_sha256
    raw = json.loads((format_1 / METADATA_FILE).read_text())
    raw["intensity_scale"] = {"joy": 2.0}
    (format_1 / METADATA_FILE).write_text(json.dumps(raw))
    with pytest.raises(VectorSetError, match="intensity_scale / intensity_range"):
        load_vector_set(format_1)


def test_reseal_refuses_tampered_tensors(format_1, capsys) -> None:
    tensors = load_file(str(format_1 / TENSORS_FILE))
    tensors["joy"] = tensors["joy"] + torch.ones_like(tensors["joy"])
    save_file(tensors, str(format_1 / TENSORS_FILE))
    with pytest.raises(VectorSetError, match="not resealing"):
        reseal(format_1)
    assert main([str(format_1)]) == 2
    assert "not resealing" in capsys.readouterr().err
    assert main([]) == 2
