"""ServerSettings: defaults the Ray helper and the CLI rely on, and validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from emotive_agents.server.settings import ServerSettings


def test_defaults_and_model_id() -> None:
    settings = ServerSettings()
    assert (settings.model, settings.host, settings.port) == ("smollm2-135m", "127.0.0.1", 8000)
    assert settings.vectors is None and settings.policy is None
    assert settings.model_id == "smollm2-135m"
    assert ServerSettings(served_model_name="emo").model_id == "emo"


def test_string_values_are_coerced_for_ray_builders() -> None:
    settings = ServerSettings(**{"port": "9000", "max_batch_size": "4"})  # type: ignore[arg-type]
    assert (settings.port, settings.max_batch_size) == (9000, 4)


@pytest.mark.parametrize(
    "bad",
    [{"port": 70000}, {"max_batch_size": 0}, {"request_timeout_s": 0}, {"max_body_bytes": 10}, {"typo": 1}],
)
def test_invalid_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ServerSettings(**bad)  # type: ignore[arg-type]
