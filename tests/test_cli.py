"""The CLI end to end on a tiny model saved to disk (the same path users take with --model DIR)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from _tiny import (
    LLAMA_LAYERS,
    random_vectors,
    save_tiny_model,
)
from typer.testing import CliRunner

from emotive_agents.cli import app, parse_emotions, parse_layers
from emotive_agents.models.loading import load_model
from emotive_agents.vectors.store import save_vector_set
from emotive_agents.vectors.vector_set import EmotionVectorSet

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def vectors_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    loaded = load_model(str(model_dir))
    vector_set = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS, scale=0.05), loaded.fingerprint)
    return save_vector_set(vector_set, tmp_path_factory.mktemp("vec") / "tiny")


def _generate(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["generate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_parse_emotions() -> None:
    assert parse_emotions(["joy=0.8", "fear=-0.4"]) == {"joy": 0.8, "fear": -0.4}
    with pytest.raises(Exception, match="NAME=INTENSITY"):
        parse_emotions(["joy"])


def test_generate_json_has_the_documented_fields(model_dir: Path, vectors_dir: Path) -> None:
    code, out, err = _generate(
        "hello", "--model", str(model_dir), "--vectors", str(vectors_dir), "-e", "joy=1", "-n", "6", "--json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["emotion"] == {"joy": 1.0}
    assert payload["model"] == str(model_dir)
    assert payload["usage"]["output_tokens"] == 6
    assert payload["usage"]["input_tokens"] == len("<|user|>hello\n<|assistant|>")


def test_steering_changes_the_cli_output(model_dir: Path, vectors_dir: Path) -> None:
    common = ["hello", "--model", str(model_dir), "--vectors", str(vectors_dir), "-n", "12"]
    plain = _generate(*common)
    steered = _generate(*common, "-e", "anger=3")
    assert plain[0] == steered[0] == 0
    assert plain[1] != steered[1]


def test_prompts_file_rows_in_order_with_their_own_mix(
    model_dir: Path, vectors_dir: Path, tmp_path: Path
) -> None:
    rows = [{"prompt": "a", "emotion": {"joy": 2.0}}, {"prompt": "bb"}, {"prompt": "ccc", "emotion": {}}]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    base = ["--model", str(model_dir), "--vectors", str(vectors_dir), "-n", "5", "--json"]
    code, out, err = _generate("--prompts-file", str(path), "-e", "sadness=1", *base)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["emotion"] for line in lines] == [{"joy": 2.0}, {"sadness": 1.0}, {}]
    # Each batched row equals the same prompt generated alone with the same mix.
    solo = json.loads(_generate("bb", "-e", "sadness=1", *base)[1])
    assert lines[1]["text"] == solo["text"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hi", "-e", "smugness=1"], "unknown emotion 'smugness'"),
        (["hi", "-e", "joy=nan"], "finite"),
        (["hi", "-e", "joy=99"], "allowed range"),
        ([], "either PROMPT or --prompts-file"),
    ],
)
def test_bad_input_gives_a_clear_error(
    model_dir: Path, vectors_dir: Path, args: list[str], message: str
) -> None:
    code, _, err = _generate(*args, "--model", str(model_dir), "--vectors", str(vectors_dir), "-n", "2")
    assert code == 2
    assert message in err


def test_bad_prompts_file_names_the_line(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "ok"}\n{not json}\n')
    code, _, err = _generate("--prompts-file", str(path), "--model", str(model_dir))
    assert code == 2
    assert f"{path}:2" in err


@pytest.mark.parametrize("line", ['{"prompt": ""}', '{"prompt": "   "}'])
def test_an_empty_prompt_in_the_prompts_file_is_refused(model_dir: Path, tmp_path: Path, line: str) -> None:
    """The server refuses a request without a non-empty user turn; so does the CLI, before loading."""
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "ok"}\n' + line + "\n")
    code, out, err = _generate("--prompts-file", str(path), "--model", str(model_dir))
    assert code == 2
    assert f"{path}:2" in err and "empty" in err
    assert out == ""
    code, _, err = _generate("  ", "--model", str(model_dir))
    assert code == 2 and "PROMPT is empty" in err


def test_vectors_for_another_model_are_refused(model_dir: Path, tmp_path: Path) -> None:
    other = load_model(str(model_dir))
    fingerprint = other.fingerprint.model_copy(update={"weights_hash": "0" * 32, "name": "other"})
    vector_set = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS), fingerprint)
    path = save_vector_set(vector_set, tmp_path / "other")
    code, _, err = _generate("hi", "--model", str(model_dir), "--vectors", str(path), "-n", "2")
    assert code == 2
    assert "made for model 'other'" in err


def test_unknown_model_path_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = _generate("hi", "--model", str(tmp_path / "missing"), "-n", "2")
    assert code == 2
    assert "Could not load model" in err


def test_help_explains_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "extract", "bench"):
        assert command in result.stdout


def test_eval_writes_the_report_files(model_dir: Path, vectors_dir: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.json"
    queries.write_text(json.dumps(["how are you?", "what is rain?", "tell me a joke"]))
    out = tmp_path / "eval"
    common = ["--model", str(model_dir), "--vectors", str(vectors_dir), "--emotions", "joy"]
    args = ["eval", "--queries", str(queries), "--out", str(out), "--alphas", "0,1", "--limit", "2"]
    result = runner.invoke(app, [*args, *common, "--max-new-tokens", "4", "--no-prompting"])
    assert result.exit_code == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["queries"] == 2
    assert [r["condition"]["method"] for r in metrics["results"]] == ["unsteered", "steering"]
    assert 0.0 <= metrics["judge"]["check_set"]["accuracy"] <= 1.0
    style_check = metrics["judge"]["style_judge"]["check_set"]  # every report carries the style judge's
    assert 0.0 <= style_check["accuracy"] <= 1.0 and style_check["date"]
    assert "style judge; its check-set accuracy" in (out / "report.md").read_text()
    assert {p.name for p in out.iterdir()} >= {"report.md", "emotion_vs_alpha.png", "fluency_vs_alpha.png"}


def test_export_gguf_writes_a_control_vector(vectors_dir: Path, tmp_path: Path) -> None:
    from emotive_agents.vectors.export import read_gguf

    out = tmp_path / "joy.gguf"
    args = ["export-gguf", "--vectors", str(vectors_dir), "--emotion", "joy=1", "--out", str(out)]
    refused = runner.invoke(app, args)  # random vectors steer layer 0: needs explicit consent
    assert refused.exit_code == 2 and "layer 0" in refused.stderr
    result = runner.invoke(app, [*args, "--drop-first-layer"])
    assert result.exit_code == 0, result.stderr
    assert sorted(read_gguf(out)) == list(range(1, LLAMA_LAYERS))
    empty = runner.invoke(app, ["export-gguf", "--vectors", str(vectors_dir), "--out", str(out)])
    assert empty.exit_code == 2 and "--emotion" in empty.stderr


def test_parse_layers() -> None:
    assert parse_layers("2-4") == (2, 3, 4)
    assert parse_layers("1,3") == (1, 3)
    with pytest.raises(typer.BadParameter, match="expected layers"):
        parse_layers("a-b")


def test_eval_recipe_overrides_are_applied_and_checked(
    model_dir: Path, vectors_dir: Path, tmp_path: Path
) -> None:
    queries = tmp_path / "q.json"
    queries.write_text(json.dumps(["how are you?", "what is rain?"]))
    common = [
        "--model",
        str(model_dir),
        "--vectors",
        str(vectors_dir),
        "--max-new-tokens",
        "4",
        "--no-prompting",
    ]
    args = ["eval", "--queries", str(queries), "--alphas", "0,1", "--emotions", "joy", *common]
    result = runner.invoke(
        app, [*args, "--layers", "1-1", "--positions", "generated", "--out", str(tmp_path / "a")]
    )
    assert result.exit_code == 0, result.stderr
    bad = runner.invoke(app, [*args, "--layers", "7-9", "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "[7, 8, 9]" in bad.stderr
    bad = runner.invoke(app, [*args, "--positions", "middle", "--out", str(tmp_path / "c")])
    assert bad.exit_code == 2 and "middle" in bad.stderr


def test_extract_writes_a_vector_set_for_the_chosen_layers(model_dir: Path, tmp_path: Path) -> None:
    from emotive_agents.vectors.store import load_vector_set

    queries = tmp_path / "q.json"
    queries.write_text(json.dumps(["how are you?", "what is rain?", "help me"]))
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"neutral": "be plain", "emotions": {"joy": "be joyful!!"}}))
    out = tmp_path / "vec"
    args = ["extract", "--model", str(model_dir), "--queries", str(queries), "--prompts", str(prompts)]
    args += ["--emotions", "joy", "--limit", "2", "--max-new-tokens", "3", "--out", str(out)]
    result = runner.invoke(app, [*args, "--layers", "1-2"])
    assert result.exit_code == 0, result.stderr
    vector_set = load_vector_set(out)
    assert vector_set.emotions == ("joy", "base")
    assert vector_set.recipe.layers == (1, 2)
    assert vector_set.metadata.created["queries"] == 2
    joy = vector_set["joy"].tensor
    assert joy[0].abs().sum() == 0 and joy[1:3].abs().sum() > 0
    bad = runner.invoke(app, [*args, "--placement", "user"])  # the prompt file has no user instructions
    assert bad.exit_code == 2 and "user-turn instruction" in bad.stderr
