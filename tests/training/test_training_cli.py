"""`extract --responses`, `train-vectors` and `make-splits` end to end on a tiny model saved to disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _tiny import save_tiny_model
from typer.testing import CliRunner

from emotive_agents.cli import app
from emotive_agents.vectors.store import load_vector_set

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def replies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "replies.jsonl"
    rows = [
        {"query": f"question {i}?", "emotion": emotion, "response": f"{emotion} answer {i}"}
        for i in range(6)
        for emotion in ("neutral", "joy", "anger")
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_extract_from_responses(model_dir: Path, replies: Path, tmp_path: Path) -> None:
    out = tmp_path / "tf"
    args = ["extract", "--model", str(model_dir), "--responses", str(replies), "--emotions", "joy,anger"]
    result = runner.invoke(app, [*args, "--component", "centred", "--layers", "1-2", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    vector_set = load_vector_set(out)
    assert vector_set.emotions == ("joy", "anger", "base")
    assert vector_set.recipe.layers == (1, 2)
    created = vector_set.metadata.created
    assert created["method"] == "teacher_forced" and created["component"] == "centred"
    assert created["responses"] == {"neutral": 6, "joy": 6, "anger": 6}
    bad = runner.invoke(app, [*args[:-1], "joy,fear", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "no replies for: fear" in bad.stderr
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"query": "q", "emotion": "joy"}\n')
    bad = runner.invoke(app, ["extract", "--responses", str(broken), "--out", str(tmp_path / "bad2")])
    assert bad.exit_code == 2 and "broken.jsonl:1: missing field(s) response" in bad.stderr


def test_train_vectors(model_dir: Path, replies: Path, tmp_path: Path) -> None:
    out = tmp_path / "trained"
    args = [
        "train-vectors",
        "--model",
        str(model_dir),
        "--responses",
        str(replies),
        "--emotions",
        "joy,anger",
    ]
    args += ["--bidirectional", "--nll-weight", "0.5", "--kl-skip", "1", "--max-response-tokens", "0"]
    args += ["--contrast-weight", "0.5", "--contrast-beta", "3"]
    args += ["--layers", "1-2", "--steps", "4", "--batch-size", "2", "--eval-every", "2", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "joy" in result.stdout and "wrote" in result.stdout
    vector_set = load_vector_set(out)
    assert vector_set.emotions == ("joy", "anger", "base")
    assert vector_set.recipe.layers == (1, 2)
    created = vector_set.metadata.created
    assert created["method"] == "trained" and created["steps"] == 4 and created["shared"] is True
    assert set(created["training"]) == {"joy", "anger"}
    assert created["contrast_weight"] == 0.5 and created["contrast_beta"] == 3.0
    assert created["bidirectional"] is True and created["nll_weight"] == 0.5 and created["kl_skip"] == 1
    assert created["max_response_tokens"] is None  # 0 on the command line: the whole reply
    joy = vector_set["joy"].tensor
    assert joy[0].abs().sum() == 0 and joy[1].abs().sum() > 0
    bad = runner.invoke(app, [*args[:-6], "--emotions", "fear", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "no replies for: fear" in bad.stderr


def test_make_splits(tmp_path: Path) -> None:
    queries = tmp_path / "eq.json"
    queries.write_text(json.dumps([f"query {i}" for i in range(400)]))
    result = runner.invoke(app, ["make-splits", "--queries", str(queries), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.stderr
    dev = json.loads((tmp_path / "s" / "dev.json").read_text())["queries"]
    test = json.loads((tmp_path / "s" / "test.json").read_text())["queries"]
    assert len(dev) == 40 and len(test) == 100
    assert not {q["text"] for q in dev} & {q["text"] for q in test}
