"""Build hook: ship the top-level `vectors/` sets inside the wheel as `emotive_agents/_vectors`.

The design card keeps `vectors/` at the repository's top level (it is data, not code); a regular
(non-editable) install must still find the embedded model's default set, so the build copies each set's
`vectors.safetensors` and `metadata.json` into the package. Editable installs read `vectors/` in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_FILES = ("vectors.safetensors", "metadata.json")


class BuildPyWithVectors(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = Path(__file__).resolve().parent / "vectors"
        target = Path(self.build_lib) / "emotive_agents" / "_vectors"
        for set_dir in sorted(p for p in source.iterdir() if p.is_dir()):
            if not all((set_dir / name).is_file() for name in SHIPPED_FILES):
                continue
            (target / set_dir.name).mkdir(parents=True, exist_ok=True)
            for name in SHIPPED_FILES:
                shutil.copy2(set_dir / name, target / set_dir.name / name)


setup(cmdclass={"build_py": BuildPyWithVectors})
