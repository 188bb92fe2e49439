"""models and vectors import their public names on first use: every name resolves, `import` stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("emotive_agents.models", "emotive_agents.vectors")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_importing_the_package_does_not_import_torch() -> None:
    code = (
        "import sys, emotive_agents, emotive_agents.models, emotive_agents.vectors; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
