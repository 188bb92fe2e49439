"""The one NAME=INTENSITY parser (CLI --emotion and chat /emotion) and the light defaults leaf."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import EmotiveError
from emotive_agents.mix_text import MixTextError, parse_mix_items


def test_items_become_a_mix_and_a_later_item_wins() -> None:
    assert parse_mix_items(["joy=0.8", " fear =-0.4", "joy=1"]) == {"joy": 1.0, "fear": -0.4}
    assert parse_mix_items([]) == {}


@pytest.mark.parametrize("item", ["joy", "=0.5", " =1", "joy=lots", "joy="])
def test_a_malformed_item_is_named_in_the_error(item: str) -> None:
    with pytest.raises(MixTextError, match="expected NAME=INTENSITY") as caught:
        parse_mix_items(["calm=0.5", item])
    assert repr(item) in str(caught.value)
    assert isinstance(caught.value, EmotiveError) and isinstance(caught.value, ValueError)


def test_the_defaults_and_the_parser_import_nothing_heavy() -> None:
    code = (
        "import sys, emotive_agents.defaults, emotive_agents.mix_text, emotive_agents.cli_options; "
        "print(sorted(m for m in ('torch', 'transformers', 'langchain_core') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_the_models_layer_names_the_same_default() -> None:
    from emotive_agents.models import DEFAULT_MODEL as MODELS_DEFAULT

    assert MODELS_DEFAULT is DEFAULT_MODEL
