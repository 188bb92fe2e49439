"""`emotive-agents info`: model, vector set, versions and the fingerprint check, read from files only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors
from typer.testing import CliRunner

from emotive_agents.cli import app
from emotive_agents.models.loading import load_model
from emotive_agents.vectors.store import save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet

runner = CliRunner()
MODEL_FIELDS = {
    "name",
    "source",
    "path",
    "cached",
    "architecture",
    "model_type",
    "num_layers",
    "hidden_size",
    "dtype",
    "parameters",
    "size_bytes",
    "weights_hash",
}
VECTOR_FIELDS = {
    "emotions",
    "recipe",
    "method",
    "calibrated_scales",
    "recommended_range",
    "dataset_hash",
    "created_with",
    "made_for",
}
PACKAGES = {"torch", "transformers", "langchain-core", "llama-index-core", "emotive-agents"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("info")
    build_tiny_llama().save_pretrained(root / "model")
    make_tokenizer(SIMPLE_TEMPLATE).save_pretrained(root / "model")
    loaded = load_model(str(root / "model"))
    vector_set = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS), loaded.fingerprint)
    return root / "model", save_vector_set(vector_set, root / "vectors")


def _info(*args: str) -> dict:
    result = runner.invoke(app, ["info", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_info_json_for_the_embedded_model() -> None:
    report = _info()
    assert set(report) == {"model", "vectors", "fingerprint_match", "versions"}
    assert set(report["model"]) >= MODEL_FIELDS
    assert report["model"]["source"] == "embedded"
    assert set(report["vectors"]) >= VECTOR_FIELDS
    assert "joy" in report["vectors"]["emotions"] and report["vectors"]["calibrated_scales"]["joy"] > 0
    assert set(report["versions"]) >= PACKAGES
    if report["model"]["cached"]:  # converted already: the shipped vectors must fit it exactly
        assert report["model"]["num_layers"] == 30 and report["model"]["hidden_size"] == 576
        assert report["fingerprint_match"] == {"compatible": True, "weights_match": True, "mismatched": []}


def test_info_json_for_a_tiny_model_and_its_vectors(tiny: tuple[Path, Path]) -> None:
    model, vectors = tiny
    report = _info("--model", str(model), "--vectors", str(vectors))
    m = report["model"]
    assert (m["source"], m["cached"], m["architecture"], m["model_type"]) == (
        "local",
        True,
        "LlamaForCausalLM",
        "llama",
    )
    assert (m["num_layers"], m["hidden_size"], m["dtype"]) == (LLAMA_LAYERS, 32, "float32")
    assert report["vectors"]["emotions"] == ["joy", "anger", "sadness", "base"]
    assert report["fingerprint_match"]["weights_match"] is True


def test_info_without_vectors_and_with_the_wrong_ones(tiny: tuple[Path, Path]) -> None:
    model, _ = tiny
    alone = _info("--model", str(model))
    assert alone["vectors"] is None and alone["fingerprint_match"] is None
    wrong = _info("--model", str(model), "--vectors", "smollm2-135m")
    assert wrong["fingerprint_match"]["compatible"] is False
    assert {"hidden_size", "num_layers"} <= set(wrong["fingerprint_match"]["mismatched"])


def test_info_text_names_the_essentials(tiny: tuple[Path, Path]) -> None:
    model, vectors = tiny
    result = runner.invoke(app, ["info", "--model", str(model), "--vectors", str(vectors)])
    assert result.exit_code == 0, result.stderr
    for needle in (
        "LlamaForCausalLM",
        "3 layers",
        "hidden 32",
        "emotions joy, anger",
        "match      yes",
        "torch",
    ):
        assert needle in result.stdout


def test_info_rejects_a_missing_vector_set(tiny: tuple[Path, Path]) -> None:
    model, _ = tiny
    result = runner.invoke(app, ["info", "--model", str(model), "--vectors", "no-such-set"])
    assert result.exit_code == 2 and "No vector set" in result.stderr


def test_info_loads_neither_torch_nor_transformers(tiny: tuple[Path, Path]) -> None:
    """What keeps it well under a second: no weights, and none of the heavy libraries imported."""
    model, vectors = tiny
    code = (
        "import sys\n"
        "from emotive_agents.cli import app\n"
        f"args = ['info', '--model', {str(model)!r}, '--vectors', {str(vectors)!r}, '--json']\n"
        "app(args, standalone_mode=False)\n"
        "app(['info', '--json'], standalone_mode=False)\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_info_before_the_embedded_model_is_converted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOTIVE_AGENTS_CACHE", str(tmp_path / "empty-cache"))
    report = _info()
    assert report["model"]["cached"] is False and "first use" in report["model"]["note"]
    assert set(report["model"]) >= MODEL_FIELDS and report["model"]["num_layers"] is None
    assert report["fingerprint_match"]["compatible"] is None
    assert not list((tmp_path / "empty-cache").glob("models/*"))  # info converted nothing
