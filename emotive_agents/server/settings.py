"""ServerSettings: every knob of the OpenAI-compatible server in one validated object."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from emotive_agents.defaults import DEFAULT_MODEL

API_KEY_ENV = "EMOTIVE_AGENTS_API_KEY"


def _env_api_key() -> SecretStr | None:
    value = os.environ.get(API_KEY_ENV, "").strip()
    return SecretStr(value) if value else None


class ServerSettings(BaseModel):
    """What `emotive-agents serve` runs: which model and vectors, where it listens, and its limits.

    The limits bound memory and latency under load: a full queue answers 429, a stopped scheduler 503,
    and no request waits or decodes longer than `request_timeout_s`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(
        default=DEFAULT_MODEL, description="Embedded 'smollm2-135m', an HF model id or a directory."
    )
    vectors: str | None = Field(
        default=None, description="Vector set directory or shipped name (default: shipped)."
    )
    policy: str | None = Field(
        default=None,
        description="Default router policy (shipped name or a policy file): requests without `emotion` "
        "are routed by it.",
    )
    policies: tuple[str, ...] = Field(
        default=(), description="More policies requests may name (shipped names or policy files)."
    )
    policy_dir: str | None = Field(
        default=None, description="Register every *.yaml / *.yml / *.json policy in this directory."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    dtype: str = Field(default="float32", description="float32, float16, bfloat16 or auto (float32 on CPU).")
    device: str = "cpu"
    served_model_name: str | None = Field(
        default=None, description="Name clients send as `model` (default: the --model value)."
    )
    max_batch_size: int = Field(default=16, ge=1, le=512, description="Rows decoded together in one forward.")
    max_queue: int = Field(default=64, ge=0, description="Requests waiting for a batch slot before 429.")
    request_timeout_s: float = Field(
        default=120.0, gt=0, description="Queue wait plus decoding, per request."
    )
    max_tokens_limit: int = Field(default=512, ge=1, description="Cap on a request's max_tokens.")
    default_max_tokens: int = Field(default=128, ge=1, description="max_tokens when a request gives none.")
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="Larger request bodies answer 413.")
    default_temperature: float = Field(
        default=0.0,
        ge=0.0,
        le=2.0,
        description="Temperature when a request gives none (0 = greedy, reproducible).",
    )
    api_key: SecretStr | None = Field(
        default_factory=_env_api_key,
        description=f"Bearer key every API request must send (default: ${API_KEY_ENV}); /health stays open.",
    )
    cors_origins: tuple[str, ...] = Field(
        default=(), description="Origins (scheme://host[:port], or *) browsers may call the API from."
    )
    allowed_hosts: tuple[str, ...] = Field(
        default=(), description="Extra Host names accepted besides the loopback names and --host."
    )
    enable_docs: bool = Field(default=False, description="Serve /docs and /openapi.json.")
    router_classifier: str = Field(
        default="ensemble",
        description="Affect reader of the router for `emotion: auto` (e.g. 'ensemble', 'vader').",
    )

    reply_reader: str = Field(
        default="ensemble",
        description="Reader of replies for emotive.reply_reading ('ensemble' = the judge's, 'vader'...).",
    )
    monitor: Literal["off", "read", "retry"] = Field(
        default="read", description="Default reply monitoring when a request gives no `monitor`."
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _key_not_blank(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str) and not raw.strip():
            raise ValueError("the API key must not be empty")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from emotive_agents.server.security import normalise_origin

        return tuple(normalise_origin(origin) for origin in value)

    @property
    def model_id(self) -> str:
        """The model name served on /v1/models and accepted in requests."""
        return self.served_model_name or self.model
