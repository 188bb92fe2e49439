"""Server fixtures: the tiny engine behind a live loopback server (uvicorn in a thread)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from _server_helpers import tiny_settings  # noqa: E402

from emotive_agents.engine import EmotiveEngine  # noqa: E402
from emotive_agents.server.app import create_app  # noqa: E402
from emotive_agents.server.runner import ServerThread  # noqa: E402


@pytest.fixture(scope="module")
def server(tiny_engine: EmotiveEngine) -> Iterator[ServerThread]:
    """One live server per test module (start-up is ~0.2 s; modules must not share counters)."""
    app = create_app(tiny_settings(), engine=tiny_engine)
    with ServerThread(app) as running:
        yield running


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield http
