"""`eval` and `calibrate` on the command line: a progress bar on stderr, summaries equal to metrics.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from _tiny import (
    LLAMA_LAYERS,
    random_vectors,
    save_tiny_model,
)
from typer.testing import CliRunner

from emotive_agents.cli import app
from emotive_agents.models.loading import load_model
from emotive_agents.progress import ENV_VAR
from emotive_agents.vectors.store import load_vector_set, save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def vectors_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    loaded = load_model(str(model_dir))
    vectors = random_vectors(LLAMA_LAYERS, ("joy", "anger"), scale=0.05)
    return save_vector_set(
        EmotionVectorSet.from_vectors(vectors, loaded.fingerprint), tmp_path_factory.mktemp("v") / "t"
    )


@pytest.fixture(scope="module")
def queries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("q") / "q.json"
    path.write_text(json.dumps(["how are you?", "what is rain?", "tell me a joke"]))
    return path


def _eval_args(model_dir: Path, vectors_dir: Path, queries: Path, out: Path) -> list[str]:
    return [
        "eval",
        "--queries",
        str(queries),
        "--out",
        str(out),
        "--alphas",
        "-1,0,2",
        "--emotions",
        "joy,anger",
        "--max-new-tokens",
        "4",
        "--model",
        str(model_dir),
        "--vectors",
        str(vectors_dir),
    ]


def _table(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("emotion "))
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("*"):
            break
        rows.append(line.split())
    return rows


def _close(cell: str, value: float | None, digits: int) -> bool:
    if value is None or math.isnan(value):
        return cell == "-"
    return abs(float(cell.rstrip("*")) - value) <= 0.5 * 10**-digits + 1e-12


def test_eval_summary_equals_metrics_json(
    model_dir: Path, vectors_dir: Path, queries: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "1")  # CliRunner's stderr is no terminal; force the bar on
    out = tmp_path / "eval"
    result = runner.invoke(app, _eval_args(model_dir, vectors_dir, queries, out))
    assert result.exit_code == 0, result.stderr
    assert "eval" in result.stderr and "batch" in result.stderr  # the progress bar
    metrics = json.loads((out / "metrics.json").read_text())["results"]
    rows = _table(result.stdout)
    assert len(rows) == len(metrics) == 1 + 2 * 2 + 2  # unsteered, 2 emotions x 2 alphas, 2 prompting
    for row, m in zip(rows, metrics, strict=True):
        emotion, method, alpha, top1, shift, d2, ppl, topic = row
        c = m["condition"]
        assert (emotion, method) == (c["emotion"] or "-", c["method"])
        assert alpha == (f"{c['alpha']:g}" if c["method"] == "steering" else "-")
        assert _close(top1, m["target_top1"], 2)
        assert _close(shift, m["target_probability_shift"], 3)
        assert _close(d2, m["distinct_2_ratio"], 2)
        assert _close(ppl, m["perplexity_ratio"], 2)
        assert _close(topic, m["topic_similarity_ratio"], 2)
        assert ppl.endswith("*") == (c["method"] != "unsteered" and not m["perplexity_ratio"] <= 1.5)
        assert d2.endswith("*") == (c["method"] != "unsteered" and not m["distinct_2_ratio"] >= 0.9)
        assert topic.endswith("*") == (c["method"] != "unsteered" and not m["topic_similarity_ratio"] >= 0.85)
    assert f"wrote {out / 'metrics.json'}" in result.stdout


def test_eval_json_is_one_object_and_no_bar(
    model_dir: Path, vectors_dir: Path, queries: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "1")  # even forced on, --json keeps stderr clean
    out = tmp_path / "eval"
    result = runner.invoke(
        app, [*_eval_args(model_dir, vectors_dir, queries, out), "--json", "--no-prompting"]
    )
    assert result.exit_code == 0, result.stderr
    assert "batch" not in result.stderr
    summary = json.loads(result.stdout)  # the whole of stdout is one object
    metrics = json.loads((out / "metrics.json").read_text())["results"]
    assert len(summary["rows"]) == len(metrics) == 5
    for row, m in zip(summary["rows"], metrics, strict=True):
        for field in ("target_top1", "target_probability_shift", "distinct_2_ratio", "perplexity_ratio"):
            assert row[field] == m[field] or (row[field] != row[field] and m[field] != m[field])
    assert summary["limits"] == {
        "min_distinct_2_ratio": 0.9,
        "max_perplexity_ratio": 1.5,
        "min_topic_similarity_ratio": 0.85,
    }
    assert str(out / "metrics.json") in summary["files"]


def test_calibrate_summary_names_the_scale_and_what_stopped_it(
    model_dir: Path, vectors_dir: Path, queries: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "1")
    out = tmp_path / "calibrated"
    args = [
        "calibrate",
        "--out",
        str(out),
        "--vectors",
        str(vectors_dir),
        "--model",
        str(model_dir),
        "--queries",
        str(queries),
        "--emotions",
        "joy,anger",
        "--alphas",
        "0.5,1,5",
        "--limit",
        "3",
        "--max-new-tokens",
        "4",
    ]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.stderr
    assert "calibrate" in text.stderr and "batch" in text.stderr
    assert "stopped by" in text.stdout and f"wrote {out}" in text.stdout
    saved = load_vector_set(out)
    calibration = saved.metadata.created["calibration"]["results"]
    lines = text.stdout.splitlines()
    for choice in calibration:
        line = next(line for line in lines if line.startswith(choice["emotion"] + " "))
        assert f"{saved.metadata.scale(choice['emotion']):g}" in line.split()[1]
        if choice["stopped_at"] is None:
            assert "every alpha on the grid passed" in line
        else:
            assert f"alpha {choice['stopped_at']:g}:" in line
            assert choice["stopped_by"]  # a failing alpha always names its limit
    as_json = runner.invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.stderr
    assert "batch" not in as_json.stderr
    summary = json.loads(as_json.stdout)
    assert [r["emotion"] for r in summary["rows"]] == ["joy", "anger"]
    assert summary["vectors"] == str(out)
    for row in summary["rows"]:
        assert row["scale"] == load_vector_set(out).metadata.scale(row["emotion"])
