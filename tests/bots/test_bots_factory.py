"""make_router / make_session: the bot's policy (or a policy file) and the engine's vector set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _bots_fakes import FakeRouter

from emotive_agents.bots import get_bot, make_router, make_session
from emotive_agents.router import PolicyError


@pytest.mark.parametrize("name", ["tutor", "health", "support"])
def test_each_bot_routes_with_its_shipped_policy(name: str, bot_engine) -> None:
    router = make_router(get_bot(name), engine=bot_engine)
    assert router.policy.name == name
    assert router.vector_set is bot_engine.vector_set  # mixes are clipped to this engine's vectors


def test_a_policy_file_replaces_the_bots_policy(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "default_mix": {"calm": 0.5}}))
    assert make_router(get_bot("support"), path).policy.name == "mine"
    with pytest.raises(PolicyError):
        make_router(get_bot("support"), tmp_path / "missing.yaml")


def test_make_session_uses_the_given_engine_and_router(bot_engine) -> None:
    router = FakeRouter()
    session = make_session("health", engine=bot_engine, router=router, max_new_tokens=5)
    assert session.spec == get_bot("health")
    assert session.engine is bot_engine and session.router is router
    assert session.max_new_tokens == 5
