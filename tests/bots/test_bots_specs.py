"""The shipped bots: names, policies, disclaimers and their demo scripts."""

from __future__ import annotations

import pytest

from emotive_agents.bots import BOTS, UnknownBotError, get_bot, load_script


def test_three_bots_each_with_its_own_policy() -> None:
    assert set(BOTS) == {"tutor", "health", "support"}
    for name, spec in BOTS.items():
        assert spec.name == name
        assert spec.policy == name  # the router's shipped policy of the same name
        assert spec.system_prompt.strip()


def test_only_the_health_companion_carries_a_disclaimer() -> None:
    assert "not a clinician" in (get_bot("health").disclaimer or "")
    assert get_bot("tutor").disclaimer is None
    assert get_bot("support").disclaimer is None


@pytest.mark.parametrize("name", sorted(BOTS))
def test_each_bot_ships_a_short_demo_script(name: str) -> None:
    lines = load_script(get_bot(name).script_path())
    assert 3 <= len(lines) <= 5
    assert not any(line.startswith("#") for line in lines)


def test_unknown_bot_names_the_choices() -> None:
    with pytest.raises(UnknownBotError, match="tutor, health, support"):
        get_bot("lawyer")
