"""The monitor every integration uses: read a reply, judge it, and run the one bounded retry.

Generation is injected (`retry(mix, plan) -> texts`: one retry round, `plan.candidates` samples of
the adjusted mix under the plan's tone sentence), so LangChain, LlamaIndex and the server share the
same loop over their own engines. `mode="read"` only attaches the reading; `"retry"` runs at most one
retry round, judges every candidate against the ORIGINAL request and keeps the best one only when it
is strictly better than the first reply (fewer problems, then more probability on the labels the
request reads as).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emotive_agents.monitor.fluency import WordCost
from emotive_agents.monitor.reading import ReplyReader, ReplyReading, shared_reply_reader
from emotive_agents.monitor.tone import fit
from emotive_agents.monitor.verdict import (
    MonitorThresholds,
    RetryPlan,
    Verdict,
    check_reply,
    expected_of,
    plan_retry,
    severity,
)

MonitorMode = Literal["off", "read", "retry"]
MONITOR_MODES: tuple[str, ...] = ("off", "read", "retry")
RetryFn = Callable[[dict[str, float], RetryPlan], "str | Sequence[str]"]


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
    attempts: list[Attempt]  # the first reply, and the best candidate of the retry round if there was one
    chosen: int = 0
    read_seconds: float = 0.0
    retry_error: str | None = None  # the retry failed (e.g. the server was full): the first reply stands
    candidates: list[Attempt] = Field(default_factory=list)  # every retry sample, attempts[1] among them

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
            **(
                {
                    "candidates": [
                        {
                            "text": a.text,
                            "label": a.reading.label,
                            "ok": a.verdict.ok,
                            "reasons": a.verdict.reasons,
                        }
                        for a in self.candidates
                    ]
                }
                if len(self.candidates) > 1
                else {}
            ),
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
        retry: RetryFn | None = None,
        *,
        user_text: str | None = None,
        user: ReplyReading | None = None,
        available: Iterable[str] | None = None,
        guard: Callable[[dict[str, float]], dict[str, float]] | None = None,
        seed: int | None = None,
        word_cost: WordCost | None = None,
    ) -> MonitorRecord:
        """Judge the first reply; under "retry" and a bad verdict, call `retry(mix, plan)` once.

        `guard` lets a caller with a policy re-apply its guard rails to the adjusted mix.
        """
        first, plan, user, read_seconds = self.first_attempt(
            mode, mix, first_text, user_text=user_text, user=user, available=available, seed=seed
        )
        if plan is None or retry is None:
            return MonitorRecord(mode=mode, attempts=[first], read_seconds=read_seconds)
        adjusted = guard(dict(plan.mix)) if guard is not None else dict(plan.mix)
        started = time.perf_counter()
        try:
            texts = retry(adjusted, plan)
        except Exception as exc:  # a failed retry must not fail a reply that exists
            error = f"{type(exc).__name__}: {exc}"
            return MonitorRecord(mode=mode, attempts=[first], read_seconds=read_seconds, retry_error=error)
        seconds = time.perf_counter() - started
        return self.second_attempt(
            first,
            plan,
            adjusted,
            texts,
            user,
            seconds=seconds,
            read_seconds=read_seconds,
            word_cost=word_cost,
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
        seed: int | None = None,
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
            plan = plan_retry(
                mix, verdict, reading, user=user, available=available, thresholds=self.thresholds, seed=seed
            )
        return first, plan, user, time.perf_counter() - started

    def second_attempt(
        self,
        first: Attempt,
        plan: RetryPlan,
        adjusted: Mapping[str, float],
        texts: str | Sequence[str],
        user: ReplyReading | None,
        *,
        seconds: float = 0.0,
        read_seconds: float = 0.0,
        word_cost: WordCost | None = None,
    ) -> MonitorRecord:
        """Judge the retry's candidates against the ORIGINAL request (what "read as intended" means);
        the best fluent one replaces the first reply only when it is strictly better.

        `word_cost` (tokens per word, `fluency.tokens_per_word`) rules out word salad: a candidate
        above max(`max_tokens_per_word`, the first reply's cost + `fluency_margin`) cannot be chosen.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            raise ValueError("the retry returned no text")
        readings = self.reader.read_many(texts)
        expected = expected_of(first.mix, user, self.thresholds)
        candidates = [
            Attempt(
                mix=dict(adjusted),
                text=text,
                reading=reading,
                verdict=check_reply(first.mix, reading, text, user=user, thresholds=self.thresholds),
                sampling=plan.sampling,
                notes=[*plan.notes, *([f"tone: {plan.instruction}"] if plan.instruction else [])],
                seconds=round(seconds, 4),
            )
            for text, reading in zip(texts, readings, strict=True)
        ]

        def badness(attempt: Attempt) -> tuple[float, float]:
            return severity(attempt.verdict), -fit(attempt.reading, expected)

        fluent = [True] * len(candidates)
        if word_cost is not None:
            t = self.thresholds
            limit = max(t.max_tokens_per_word, word_cost(first.text) + t.fluency_margin)
            fluent = [word_cost(c.text) <= limit for c in candidates]
            candidates = [
                c if ok else c.model_copy(update={"notes": [*c.notes, "not fluent enough to be chosen"]})
                for c, ok in zip(candidates, fluent, strict=True)
            ]
        usable = [c for c, ok in zip(candidates, fluent, strict=True) if ok]
        best = min(usable or candidates, key=badness)
        chosen = 1 if usable and badness(best) < badness(first) else 0
        return MonitorRecord(
            mode="retry",
            attempts=[first, best],
            chosen=chosen,
            read_seconds=read_seconds,
            candidates=candidates if len(candidates) > 1 else [],
        )
