"""Exceptions with messages a user can act on."""

from __future__ import annotations


class EmotiveError(Exception):
    """Base class for every error this library raises on purpose."""


class ModelLoadError(EmotiveError):
    """A model (or the embedded model's package) could not be found or loaded."""


class UnsupportedArchitectureError(EmotiveError):
    """The model's layer layout is not one the steering hooks know how to find."""


class VectorSetError(EmotiveError):
    """A vector file is malformed, corrupt, or made for another model."""


class UnknownEmotionError(EmotiveError, KeyError):
    """An emotion name is not in the active vector set."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SteeringError(EmotiveError):
    """Steering cannot be applied as asked (bad batch size, bad position rule...)."""


class GenerationError(EmotiveError):
    """Generation failed or was asked for with invalid options."""


class ContextLengthError(GenerationError):
    """The prompt plus the requested new tokens do not fit the model's context window."""


# -- the decode loop's refusals (the server maps each to its HTTP status; none carries one) ----------


class SchedulerError(EmotiveError):
    """The continuous-batching loop refused or dropped a request (base class)."""


class QueueFullError(SchedulerError):
    """Every batch slot and queue place is taken: the client should retry later."""


class SchedulerClosedError(SchedulerError):
    """The scheduler is not running (starting up, shutting down or failed)."""


class QueueTimeoutError(SchedulerError):
    """The request waited in the queue past its deadline without getting a batch slot."""


class RequestTimeoutError(SchedulerError):
    """The request was admitted but did not finish decoding before its deadline."""


class RequestCancelledError(SchedulerError):
    """The request was cancelled (its client went away); not `asyncio.CancelledError`."""
