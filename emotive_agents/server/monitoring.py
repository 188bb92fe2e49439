"""Reply monitoring on the server: every completion gets `emotive.reply_reading`; `"monitor": "retry"`
regenerates once through the same scheduler when the reply reads against the request.

Under `"emotion": "auto"` the retry's adjusted mix goes back through the policy's guard rails (never
amplifying anger, disgust, fear or sadness toward a distressed user; the total cap), so the loop cannot
undo what the router guaranteed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from emotive_agents.affect.types import implied_valence
from emotive_agents.monitor.engine_loop import default_monitor
from emotive_agents.monitor.loop import MonitorMode, MonitorRecord
from emotive_agents.monitor.reading import ReplyReading
from emotive_agents.steering.mix import EmotionMix

if TYPE_CHECKING:
    from emotive_agents.generation.types import GenerationRequest
    from emotive_agents.server.scheduler import Completion

ServerState = Any  # the app's ServerState (not imported: the app imports this module)


def monitor_mode(requested: str | None, default: str) -> MonitorMode:
    mode = requested or default
    assert mode in ("off", "read", "retry")
    return mode  # type: ignore[return-value]


def _user_reading(emotive: dict[str, Any]) -> ReplyReading | None:
    """The router's reading of the user (when it ran), as the monitor's distress input."""
    decision = emotive.get("decision") or {}
    probabilities = decision.get("reading")
    if not isinstance(probabilities, dict) or not probabilities:
        return None
    return ReplyReading(
        label=str(decision.get("label") or max(probabilities, key=probabilities.__getitem__)),
        probabilities=probabilities,
        valence=implied_valence(probabilities),
    )


def _guard(state: ServerState, emotive: dict[str, Any]) -> Any:
    """The policy's guard rails for the retry's mix when the router chose the mix; None otherwise."""
    if emotive.get("source") != "router" or not emotive.get("policy"):
        return None
    from emotive_agents.affect.types import reading
    from emotive_agents.router.policy import DEFAULT_RANGE, apply_guard_rails

    policy = state.router(emotive["policy"]).policy
    probabilities = (emotive.get("decision") or {}).get("reading") or {}
    distressed = bool(probabilities) and policy.is_distressed(reading(probabilities))
    vs = state.engine.vector_set

    def guard(mix: dict[str, float]) -> dict[str, float]:
        return apply_guard_rails(
            mix,
            distressed=distressed or bool((emotive.get("decision") or {}).get("crisis")),
            max_total=policy.max_total,
            intensity_range=vs.metadata.intensity_range if vs is not None else DEFAULT_RANGE,
            available=[e for e in state.engine.emotions if e != "base"],
        ).mix

    return guard


def _run(
    state: ServerState,
    generation: GenerationRequest,
    emotive: dict[str, Any],
    first: Completion,
    mode: MonitorMode,
) -> tuple[Completion, MonitorRecord]:
    monitor = default_monitor(state.settings.reply_reader)
    results = [first]

    def retry(mix: dict[str, float], sampling: dict[str, Any]) -> str:
        params = generation.params.model_copy(update=sampling)
        again = generation.model_copy(update={"emotion": EmotionMix.coerce(mix), "params": params})
        handle = state.scheduler.submit(again)
        completion = handle.result(timeout=max(1.0, handle.deadline - time.monotonic() + 5.0))
        results.append(completion)
        return completion.text

    users = [m.content for m in generation.messages if m.role == "user"]
    record = monitor.run(
        mode,
        dict(emotive.get("mix") or {}),
        first.text,
        retry,
        user_text=users[-1] if users else None,
        user=_user_reading(emotive),
        available=[e for e in state.engine.emotions if e != "base"],
        guard=_guard(state, emotive),
    )
    return results[record.chosen], record


async def monitored(
    state: ServerState,
    generation: GenerationRequest,
    emotive: dict[str, Any],
    completion: Completion,
    mode: MonitorMode,
) -> Completion:
    """The completion to answer with; `emotive` gains `reply_reading` (and `monitor` under retry)."""
    if mode == "off":
        return completion
    chosen, record = await asyncio.to_thread(_run, state, generation, emotive, completion, mode)
    emotive["reply_reading"] = record.reading.to_json()
    if mode == "retry":
        emotive["monitor"] = record.to_json()
        emotive["mix_applied"] = record.attempts[record.chosen].mix
    return chosen


async def reply_reading(state: ServerState, text: str) -> dict[str, Any]:
    """The reading of an already streamed reply (no retry possible)."""
    monitor = default_monitor(state.settings.reply_reader)
    reading = await asyncio.to_thread(monitor.read, text)
    return reading.to_json()


async def buffered_sse(
    common: dict[str, Any], completion: Completion, emotive: dict[str, Any], include_usage: bool
) -> AsyncIterator[str]:
    """A decided reply as an OpenAI chunk stream: role, the whole text, finish (with `emotive`), usage."""
    from emotive_agents.server.protocol import chunk_json, usage_json

    def line(payload: dict[str, Any]) -> str:
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield line(chunk_json(**common, delta={"role": "assistant", "content": ""}, emotive=emotive))
    if completion.text:
        yield line(chunk_json(**common, delta={"content": completion.text}))
    yield line(chunk_json(**common, delta={}, finish_reason=completion.finish_reason, emotive=emotive))
    if include_usage:
        usage = usage_json(
            completion.usage.input_tokens, completion.usage.output_tokens, completion.usage.trimmed
        )
        yield line(chunk_json(**common, usage=usage, emotive=emotive))
    yield "data: [DONE]\n\n"
