"""The monitor every integration uses: read a reply, judge it, and run the one bounded retry.

Generation is injected (`attempt(mix, sampling) -> text`), so LangChain, LlamaIndex and the server
share the same loop over their own engines. `mode="read"` only attaches the reading; `"retry"`
regenerates at most once and keeps the attempt with fewer problems (the retry on a tie).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.monitor.reading import ReplyReader, ReplyReading, shared_reply_reader
from emotive_agents.monitor.verdict import MonitorThresholds, RetryPlan, Verdict, check_reply, plan_retry

MonitorMode = Literal["off", "read", "retry"]
MONITOR_MODES: tuple[str, ...] = ("off", "read", "retry")


class Attempt(BaseModel):
    """One generation under the monitor: its mix, text, reading and verdict."""

    model_config = ConfigDict(frozen=True)

    mix: dict[str, float]
    text: str
    reading: ReplyReading
    verdict: Verdict
    sampling: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class MonitorRecord(BaseModel):
    """What the monitor did for one reply; `attempts[chosen]` is the reply that was returned."""

    model_config = ConfigDict(frozen=True)

    mode: MonitorMode
    attempts: list[Attempt]
    chosen: int = 0
    read_seconds: float = 0.0
    retry_error: str | None = None  # the retry failed (e.g. the server was full): the first reply stands

    @property
    def reading(self) -> ReplyReading:
        return self.attempts[self.chosen].reading

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1

    def to_json(self) -> dict[str, Any]:
        """The `monitor` field of a response: both attempts when there was a retry."""
        return {
            "mode": self.mode,
            "retried": self.retried,
            "chosen": self.chosen,
            **({"retry_error": self.retry_error} if self.retry_error else {}),
            "attempts": [
                {
                    "mix": a.mix,
                    "text": a.text,
                    "reading": a.reading.to_json(),
                    "ok": a.verdict.ok,
                    "reasons": a.verdict.reasons,
                    "notes": a.verdict.notes + a.notes,
                    "sampling": a.sampling,
                }
                for a in self.attempts
            ],
        }


def check_mode(value: object) -> MonitorMode:
    if value is None or value is False:
        return "read"
    if value not in MONITOR_MODES:
        raise ValueError(f"monitor must be one of {MONITOR_MODES}, got {value!r}")
    return value  # type: ignore[return-value]


class ReplyMonitor:
    """Reads replies and closes the loop; one instance per app is fine (its reader is shared)."""

    def __init__(
        self,
        reader: ReplyReader | None = None,
        thresholds: MonitorThresholds | None = None,
        *,
        reader_name: str = "ensemble",
        device: str = "cpu",
    ) -> None:
        self._reader = reader
        self._reader_name = reader_name
        self._device = device
        self.thresholds = thresholds or MonitorThresholds()

    @property
    def reader(self) -> ReplyReader:
        if self._reader is None:
            self._reader = shared_reply_reader(self._reader_name, self._device)
        return self._reader

    def read(self, text: str) -> ReplyReading:
        return self.reader.read(text)

    def judge(
        self, mix: Mapping[str, float], text: str, user: ReplyReading | None
    ) -> tuple[ReplyReading, Verdict]:
        reading = self.read(text)
        return reading, check_reply(mix, reading, text, user=user, thresholds=self.thresholds)

    def run(
        self,
        mode: MonitorMode,
        mix: Mapping[str, float],
        first_text: str,
        retry: Callable[[dict[str, float], dict[str, Any]], str] | None = None,
        *,
        user_text: str | None = None,
        user: ReplyReading | None = None,
        available: Iterable[str] | None = None,
        guard: Callable[[dict[str, float]], dict[str, float]] | None = None,
    ) -> MonitorRecord:
        """Judge the first reply; under "retry" and a bad verdict, call `retry(mix, sampling)` once.

        `guard` lets a caller with a policy re-apply its guard rails to the adjusted mix.
        """
        first, plan, user, read_seconds = self.first_attempt(
            mode, mix, first_text, user_text=user_text, user=user, available=available
        )
        if plan is None or retry is None:
            return MonitorRecord(mode=mode, attempts=[first], read_seconds=read_seconds)
        adjusted = guard(dict(plan.mix)) if guard is not None else dict(plan.mix)
        started = time.perf_counter()
        try:
            text = retry(adjusted, dict(plan.sampling))
        except Exception as exc:  # a failed retry must not fail a reply that exists
            error = f"{type(exc).__name__}: {exc}"
            return MonitorRecord(mode=mode, attempts=[first], read_seconds=read_seconds, retry_error=error)
        seconds = time.perf_counter() - started
        return self.second_attempt(
            first, plan, adjusted, text, user, seconds=seconds, read_seconds=read_seconds
        )

    def first_attempt(
        self,
        mode: MonitorMode,
        mix: Mapping[str, float],
        first_text: str,
        *,
        user_text: str | None = None,
        user: ReplyReading | None = None,
        available: Iterable[str] | None = None,
    ) -> tuple[Attempt, RetryPlan | None, ReplyReading | None, float]:
        """Read and judge the first reply: (attempt, the retry plan or None, the user's reading, seconds)."""
        started = time.perf_counter()
        if mode == "retry" and user is None and user_text:
            reading, user = self.reader.read_many([first_text, user_text])
        else:
            reading = self.read(first_text)
        verdict = check_reply(mix, reading, first_text, user=user, thresholds=self.thresholds)
        first = Attempt(mix=dict(mix), text=first_text, reading=reading, verdict=verdict)
        plan = None
        if mode == "retry" and not verdict.ok:
            plan = plan_retry(mix, verdict, reading, available=available, thresholds=self.thresholds)
        return first, plan, user, time.perf_counter() - started

    def second_attempt(
        self,
        first: Attempt,
        plan: RetryPlan,
        adjusted: Mapping[str, float],
        text: str,
        user: ReplyReading | None,
        *,
        seconds: float = 0.0,
        read_seconds: float = 0.0,
    ) -> MonitorRecord:
        """Judge the retry against the ORIGINAL request (what "read as intended" means) and choose."""
        reading2, verdict2 = self.judge(first.mix, text, user)
        second = Attempt(
            mix=dict(adjusted),
            text=text,
            reading=reading2,
            verdict=verdict2,
            sampling=plan.sampling,
            notes=plan.notes,
            seconds=round(seconds, 4),
        )
        chosen = 1 if len(verdict2.reasons) <= len(first.verdict.reasons) else 0
        return MonitorRecord(mode="retry", attempts=[first, second], chosen=chosen, read_seconds=read_seconds)
