"""ServerSettings: every knob of the OpenAI-compatible server in one validated object."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ServerSettings(BaseModel):
    """What `emotive-agents serve` runs: which model and vectors, where it listens, and its limits.

    The limits bound memory and latency under load: a full queue answers 429, a stopped scheduler 503,
    and no request waits or decodes longer than `request_timeout_s`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(
        default="smollm2-135m", description="Embedded 'smollm2-135m', an HF model id or a directory."
    )
    vectors: str | None = Field(
        default=None, description="Vector set directory or shipped name (default: shipped)."
    )
    policy: str | None = Field(
        default=None, description="Default router policy for `emotion: auto` requests."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    dtype: str = Field(default="float32", description="float32, float16 or bfloat16.")
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

    @property
    def model_id(self) -> str:
        """The model name served on /v1/models and accepted in requests."""
        return self.served_model_name or self.model
