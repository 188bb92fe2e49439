"""Reply monitoring on the server: every completion gets `emotive.reply_reading`; `"monitor": "retry"`
regenerates once through the same scheduler when the reply reads against the request.

Under `"emotion": "auto"` the retry's adjusted mix goes back through the policy's guard rails (never
amplifying anger, disgust, fear or sadness toward a distressed user; the total cap), so the loop cannot
undo what the router guaranteed. The monitor (and the readers it loads) is imported on first use, so
importing the app stays free of torch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emotive_agents.server.protocol import EmotiveInfo, MonitorMode

if TYPE_CHECKING:
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.monitor.loop import MonitorRecord
    from emotive_agents.monitor.reading import ReplyReading
    from emotive_agents.monitor.verdict import RetryPlan
    from emotive_agents.server.scheduler import Completion
    from emotive_agents.server.state import ServerState


def monitor_mode(requested: str | None, default: str) -> MonitorMode:
    mode = requested or default
    assert mode in ("off", "read", "retry")
    return mode  # type: ignore[return-value]


def _user_reading(emotive: EmotiveInfo) -> ReplyReading | None:
    """The router's reading of the user (when it ran), as the monitor's distress input."""
    from emotive_agents.affect.types import implied_valence
    from emotive_agents.monitor.reading import ReplyReading

    decision = emotive.decision or {}
    probabilities = decision.get("reading")
    if not isinstance(probabilities, dict) or not probabilities:
        return None
    return ReplyReading(
        label=str(decision.get("label") or max(probabilities, key=probabilities.__getitem__)),
        probabilities=probabilities,
        valence=implied_valence(probabilities),
    )


def _guard(state: ServerState, emotive: EmotiveInfo) -> Callable[[dict[str, float]], dict[str, float]] | None:
    """The policy's guard rails for the retry's mix when the router chose the mix; None otherwise."""
    if emotive.source != "router" or not emotive.policy:
        return None
    from emotive_agents.affect.types import reading
    from emotive_agents.router.policy import DEFAULT_RANGE, apply_guard_rails

    policy = state.router(emotive.policy).policy
    decision = emotive.decision or {}
    probabilities = decision.get("reading") or {}
    distressed = bool(probabilities) and policy.is_distressed(reading(probabilities))
    vs = state.engine.vector_set

    def guard(mix: dict[str, float]) -> dict[str, float]:
        return apply_guard_rails(
            mix,
            distressed=distressed or bool(decision.get("crisis")),
            max_total=policy.max_total,
            intensity_range=vs.metadata.intensity_range if vs is not None else DEFAULT_RANGE,
            available=[e for e in state.engine.emotions if e != "base"],
        ).mix

    return guard


def _run(
    state: ServerState,
    generation: GenerationRequest,
    emotive: EmotiveInfo,
    first: Completion,
    mode: MonitorMode,
) -> tuple[Completion, MonitorRecord]:
    from emotive_agents.monitor.engine_loop import default_monitor, retry_requests
    from emotive_agents.monitor.fluency import engine_word_cost

    monitor = default_monitor(state.settings.reply_reader)
    results = [first]

    def retry(mix: dict[str, float], plan: RetryPlan) -> list[str]:
        handles = [state.scheduler.submit(again) for again in retry_requests(generation, mix, plan)]
        for handle in handles:  # submitted together, so the scheduler can batch them
            completion = handle.result(timeout=max(1.0, handle.deadline - time.monotonic() + 5.0))
            results.append(completion)
        return [c.text for c in results[1:]]

    users = [m.content for m in generation.messages if m.role == "user"]
    if not users and generation.prompt is not None:
        users = [generation.prompt]
    record = monitor.run(
        mode,
        dict(emotive.mix),
        first.text,
        retry,
        user_text=users[-1] if users else None,
        user=_user_reading(emotive),
        available=[e for e in state.engine.emotions if e != "base"],
        guard=_guard(state, emotive),
        seed=generation.params.seed,
        word_cost=engine_word_cost(state.engine),
    )
    if record.chosen == 0:
        return first, record
    text = record.attempts[record.chosen].text
    return next(c for c in results[1:] if c.text == text), record


async def monitored(
    state: ServerState,
    generation: GenerationRequest,
    emotive: EmotiveInfo,
    completion: Completion,
    mode: MonitorMode,
) -> tuple[Completion, EmotiveInfo]:
    """The completion to answer with, and `emotive` with `reply_reading` (and `monitor` under retry)."""
    if mode == "off":
        return completion, emotive
    chosen, record = await asyncio.to_thread(_run, state, generation, emotive, completion, mode)
    update: dict[str, Any] = {"reply_reading": record.reading.to_json()}
    if mode == "retry":
        update["monitor"] = record.to_json()
        update["mix_applied"] = record.attempts[record.chosen].mix
    return chosen, emotive.model_copy(update=update)


async def reply_reading(state: ServerState, text: str) -> dict[str, Any]:
    """The reading of an already streamed reply (no retry possible)."""
    from emotive_agents.monitor.engine_loop import default_monitor

    monitor = default_monitor(state.settings.reply_reader)
    reading = await asyncio.to_thread(monitor.read, text)
    return reading.to_json()
