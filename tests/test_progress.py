"""Progress bars: on for a person at a terminal (or when forced), off under --json, --quiet or in logs."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from _tiny import SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer

from emotive_agents.progress import ENV_VAR, ProgressBar, progress_enabled, stepper


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_enabled_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert progress_enabled(stream=_Terminal()) is True
    assert progress_enabled(stream=io.StringIO()) is False  # a CI log or a pipe
    assert progress_enabled(quiet=True, stream=_Terminal()) is False
    assert progress_enabled(as_json=True, stream=_Terminal()) is False


def test_the_environment_forces_it_but_never_over_json_or_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "1")
    assert progress_enabled(stream=io.StringIO()) is True
    assert progress_enabled(as_json=True, stream=_Terminal()) is False
    assert progress_enabled(quiet=True, stream=_Terminal()) is False
    monkeypatch.setenv(ENV_VAR, "0")
    assert progress_enabled(stream=_Terminal()) is False


def test_the_bar_counts_the_reported_units_with_an_eta(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressBar("eval", unit="batch", enabled=True) as bar:
        step = stepper(bar, 4)
        for _ in range(4):
            step()
    err = capsys.readouterr().err
    assert "eval" in err and "4/4" in err and "batch" in err
    assert "<" in err  # tqdm's "elapsed<remaining" ETA field


def test_a_disabled_bar_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressBar("eval", enabled=False) as bar:
        step = stepper(bar, 2)
        step()
        step()
    assert capsys.readouterr() == ("", "")


def test_stepper_reports_absolute_counts() -> None:
    calls: list[tuple[int, int]] = []
    step = stepper(lambda done, total: calls.append((done, total)), 3)
    for _ in range(3):
        step()
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    stepper(None, 3)()  # no callback: a no-op


def _run_on_a_pty(args: list[str], tmp_path: Path) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (as a person's shell has it) and stdout on a pipe.

    The pty reports 0 columns, which the bar must survive (tqdm draws nothing at a zero size)."""
    main, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).parents[1]), env.get("PYTHONPATH")) if p
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "emotive_agents", *args],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
        cwd=tmp_path,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout = process.stdout.read().decode() if process.stdout else ""
    code = process.wait(timeout=300)
    os.close(main)
    return code, stdout, b"".join(chunks).decode(errors="replace")


@pytest.fixture(scope="module")
def extraction_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("pty")
    model = root / "model"
    build_tiny_llama().save_pretrained(model)
    make_tokenizer(SIMPLE_TEMPLATE).save_pretrained(model)
    queries = root / "q.json"
    queries.write_text(json.dumps(["how are you?", "what is rain?", "help me"]))
    prompts = root / "p.json"
    prompts.write_text(json.dumps({"neutral": "be plain", "emotions": {"joy": "be joyful!!"}}))
    return model, queries, prompts


def _extract_args(inputs: tuple[Path, Path, Path], out: Path) -> list[str]:
    model, queries, prompts = inputs
    return [
        "extract",
        "--model",
        str(model),
        "--queries",
        str(queries),
        "--prompts",
        str(prompts),
        "--emotions",
        "joy",
        "--max-new-tokens",
        "2",
        "--batch-size",
        "2",
        "--out",
        str(out),
    ]


def test_extract_shows_progress_on_a_terminal(
    extraction_inputs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    code, stdout, terminal = _run_on_a_pty(_extract_args(extraction_inputs, tmp_path / "vec"), tmp_path)
    assert code == 0, terminal
    assert "wrote" in stdout
    assert "extract" in terminal and "4/4" in terminal  # 2 query chunks x (neutral, joy)


def test_quiet_wins_over_a_forced_bar(
    extraction_inputs: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from emotive_agents.cli import app

    monkeypatch.setenv(ENV_VAR, "1")
    args = _extract_args(extraction_inputs, tmp_path / "vec")
    loud = CliRunner().invoke(app, args)
    assert loud.exit_code == 0, loud.stderr
    assert "extract" in loud.stderr and "4/4" in loud.stderr
    quiet = CliRunner().invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0, quiet.stderr
    assert "4/4" not in quiet.stderr and "wrote" in quiet.stdout
