"""The monitor over an `EmotiveEngine` request: what ChatEmotive and EmotiveLLM call after generating.

The first result comes from the caller (it may have been streamed or batched); the retry, when the
loop asks for one, is a plain single generation with the adjusted mix and sampling overrides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emotive_agents.generation.types import GenerationRequest, GenerationResult
from emotive_agents.monitor.loop import MonitorMode, MonitorRecord, ReplyMonitor
from emotive_agents.steering.mix import EmotionMix

if TYPE_CHECKING:
    from emotive_agents.engine import EmotiveEngine

_MONITORS: dict[str, ReplyMonitor] = {}


def default_monitor(reader: str = "ensemble") -> ReplyMonitor:
    """One monitor per reader name per process (the reader's models load on first use)."""
    monitor = _MONITORS.get(reader)
    if monitor is None:
        monitor = _MONITORS[reader] = ReplyMonitor(reader_name=reader)
    return monitor


def last_user_text(request: GenerationRequest) -> str | None:
    users = [m.content for m in request.messages if m.role == "user"]
    return users[-1] if users else request.prompt


def monitor_result(
    engine: EmotiveEngine,
    request: GenerationRequest,
    result: GenerationResult,
    mode: MonitorMode,
    *,
    reader: str = "ensemble",
    monitor: ReplyMonitor | None = None,
) -> tuple[GenerationResult, MonitorRecord | None]:
    """Read `result`; under "retry" maybe regenerate once. Returns the reply to use and the record."""
    if mode == "off":
        return result, None
    monitor = monitor or default_monitor(reader)
    results = [result]

    def retry(mix: dict[str, float], sampling: dict[str, Any]) -> str:
        params = request.params.model_copy(update=sampling)
        again = request.model_copy(update={"emotion": EmotionMix.coerce(mix), "params": params})
        second = engine.generate_batch([again])[0]
        results.append(second)
        return second.text

    record = monitor.run(
        mode,
        request.emotion.as_dict(),
        result.text,
        retry,
        user_text=last_user_text(request),
        available=engine.emotions,
    )
    return results[record.chosen], record


def metadata(record: MonitorRecord | None) -> dict[str, Any]:
    """`reply_reading` (always, when monitored) and `monitor` (the attempts, when there was a retry)."""
    if record is None:
        return {}
    out: dict[str, Any] = {"reply_reading": record.reading.to_json()}
    if record.mode == "retry":
        out["monitor"] = record.to_json()
    return out
