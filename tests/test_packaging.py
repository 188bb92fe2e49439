"""The wheel is a complete product: a regular (non-editable) install finds the shipped vectors.

Builds the wheel from a copy of the tracked sources, installs it with `--no-deps --target` into a
temporary directory (the dependencies come from this environment), and runs the engine and the CLI
from there in a working directory outside the checkout, so the repository cannot be imported by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]


def _tracked_copy(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to build the wheel from")
    work = tmp_path_factory.mktemp("wheel")
    src, wheels, site = work / "src", work / "wheels", work / "site"
    src.mkdir()
    _tracked_copy(src)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", str(src), "-w", str(wheels)], check=True
    )
    (wheel,) = wheels.glob("emotive_agents-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return site


def _run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python ARGS`, or the installed console script when ARGS starts with "emotive-agents"."""
    env = {**os.environ, "PYTHONPATH": str(site), "OMP_NUM_THREADS": "1"}
    command = (
        [str(site / "bin" / args[0]), *args[1:]] if args[0] == "emotive-agents" else [sys.executable, *args]
    )
    return subprocess.run(command, cwd=site.parent, env=env, capture_output=True, text=True, timeout=600)


def test_wheel_ships_the_default_vectors(installed: Path) -> None:
    shipped = installed / "emotive_agents" / "_vectors" / "smollm2-135m"
    assert (shipped / "vectors.safetensors").is_file()
    assert json.loads((shipped / "metadata.json").read_text())["emotions"]


def test_installed_engine_loads_its_shipped_vectors(installed: Path) -> None:
    code = (
        "import emotive_agents, sys\n"
        "from emotive_agents import EmotiveEngine\n"
        f"assert emotive_agents.__file__.startswith({str(installed)!r}), emotive_agents.__file__\n"
        "engine = EmotiveEngine.load()\n"
        "assert engine.vector_set is not None\n"
        "print(sorted(engine.emotions))\n"
    )
    done = _run(installed, "-c", code)
    assert done.returncode == 0, done.stderr
    assert "joy" in done.stdout


def test_installed_cli_generates(installed: Path) -> None:
    done = _run(installed, "emotive-agents", "generate", "Hello!", "-e", "joy=1", "-n", "6", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["emotion"] == {"joy": 1.0}
    assert 1 <= result["usage"]["output_tokens"] <= 6
