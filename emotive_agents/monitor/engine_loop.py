"""The monitor over an `EmotiveEngine` request: what ChatEmotive and EmotiveLLM call after generating.

The first result comes from the caller (it may have been streamed or batched); the retry round, when
the loop asks for one, is one batched generation of the plan's candidates (adjusted mix, tone
sentence in the system prompt, sampling overrides).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emotive_agents.generation.types import GenerationRequest, GenerationResult
from emotive_agents.monitor.fluency import engine_word_cost
from emotive_agents.monitor.loop import MonitorMode, MonitorRecord, ReplyMonitor
from emotive_agents.monitor.tone import with_instruction
from emotive_agents.monitor.verdict import RetryPlan
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


def retry_requests(
    request: GenerationRequest, mix: dict[str, float], plan: RetryPlan
) -> list[GenerationRequest]:
    """The retry round's requests: `plan.candidates` copies with the adjusted mix, sampling and tone.

    A seeded request gives candidate k the seed + k (distinct and reproducible). A pre-rendered
    `prompt` bypasses the chat template, so it gets no tone sentence.
    """
    sampling = dict(plan.sampling)
    seed = sampling.pop("seed", None)
    messages = (
        request.messages
        if request.prompt is not None
        else with_instruction(request.messages, plan.instruction)
    )
    out = []
    for k in range(plan.candidates):
        update = {**sampling, **({"seed": seed + k} if seed is not None else {})}
        params = request.params.model_copy(update=update)
        out.append(
            request.model_copy(
                update={"emotion": EmotionMix.coerce(mix), "params": params, "messages": messages}
            )
        )
    return out


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

    def retry(mix: dict[str, float], plan: RetryPlan) -> list[str]:
        again = engine.generate_batch(retry_requests(request, mix, plan))
        results.extend(again)
        return [r.text for r in again]

    record = monitor.run(
        mode,
        request.emotion.as_dict(),
        result.text,
        retry,
        user_text=last_user_text(request),
        available=engine.emotions,
        seed=request.params.seed,
        word_cost=engine_word_cost(engine),
    )
    if record.chosen == 0:
        return result, record
    chosen = record.attempts[record.chosen]
    return next(r for r in results[1:] if r.text == chosen.text), record


def metadata(record: MonitorRecord | None) -> dict[str, Any]:
    """`reply_reading` (always, when monitored) and `monitor` (the attempts, when there was a retry)."""
    if record is None:
        return {}
    out: dict[str, Any] = {"reply_reading": record.reading.to_json()}
    if record.mode == "retry":
        out["monitor"] = record.to_json()
    return out
