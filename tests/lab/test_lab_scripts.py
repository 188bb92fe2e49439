"""The lab scripts moved out of the library (benchmarks/) still import and parse their flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {
    "affect_train": "--data",
    "affect_train_user": "--data",
    "affect_compare": "--data",
    "affect_probe_fit": "--data",
    "router_evaluate": "--tune",
    "monitor_eval": "--turns",
    "bots_shift_replies": "--to",
    "shift_grid": "--grid",
    "half_precision": "--out",
    "risk_ordinary_turns": "--json",
}


@pytest.mark.parametrize(("script", "flag"), sorted(SCRIPTS.items()))
def test_each_lab_script_answers_help(script: str, flag: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{script}", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert flag in done.stdout


def test_no_lab_module_is_left_in_the_library() -> None:
    package = ROOT / "emotive_agents"
    gone_files = (
        "affect/train.py",
        "affect/train_user.py",
        "affect/compare.py",
        "router/evaluate.py",
        "monitor_eval.py",
        "bots/shift_replies.py",
    )
    for gone in gone_files:
        assert not (package / gone).exists(), gone
    probe = (package / "affect" / "probe.py").read_text()
    assert "argparse" not in probe and "def main" not in probe
