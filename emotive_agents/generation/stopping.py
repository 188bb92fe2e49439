"""When a row ends and what text it streams: EOS, token budgets, stop strings, sentence budgets.

Stop strings are held back while they may still be forming (a stream never sends text a stop later cuts);
with `trim_to_sentence` only whole sentences stream, since a reply cut by its budget is trimmed back to its
last sentence end (`Usage.trimmed`). A soft budget ends the row at the first sentence end past it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from emotive_agents.generation.sentences import ends_sentence, streamable_prefix, trim_to_sentence
from emotive_agents.generation.types import SamplingParams

FinishReason = Literal["stop", "length"]


def first_stop(text: str, stops: Sequence[str]) -> int | None:
    """Index of the earliest stop sequence in `text`, if any."""
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None


@dataclass(frozen=True)
class Step:
    """What one new token did to a row: text safe to stream now, and the finish reason once it ended."""

    delta: str = ""
    finish_reason: FinishReason | None = None
    trimmed: bool = False


class RowText:
    """One row's generated tokens and text; `advance(token)` applies every ending rule.

    Text is decoded every step only when something needs it (a stream, stop strings, a soft budget);
    otherwise once, at the end.
    """

    def __init__(
        self, tokenizer: Any, params: SamplingParams, end_ids: Collection[int], *, streaming: bool
    ) -> None:
        self._tokenizer = tokenizer
        self.params = params
        self._end_ids = end_ids
        self._live = streaming or bool(params.stop) or params.soft_max_tokens is not None
        self._hold = max((len(s) for s in params.stop), default=1) - 1  # chars that may start a stop
        self.tokens: list[int] = []
        self.text = ""
        self.sent = 0  # characters already streamed

    def _decode(self) -> str:
        return self._tokenizer.decode(self.tokens, skip_special_tokens=True)

    def advance(self, token: int) -> Step:
        params = self.params
        ended = token in self._end_ids and not params.ignore_eos
        if not ended:
            self.tokens.append(token)
        done_by_length = len(self.tokens) >= params.max_new_tokens
        if self._live or ended or done_by_length:
            self.text = self._decode()
        cut = first_stop(self.text, params.stop) if params.stop else None
        if cut is not None:
            self.text = self.text[:cut]
        reason: FinishReason | None = None
        if ended or cut is not None:
            reason = "stop"
        elif done_by_length:
            reason = "length"
        elif params.soft_max_tokens is not None and len(self.tokens) >= params.soft_max_tokens:
            reason = "stop" if ends_sentence(self.text) else None
        trimmed = False
        if reason == "length" and params.trim_to_sentence:
            self.text, trimmed = trim_to_sentence(self.text)
        if reason is None:
            return Step(delta=self._safe_delta())
        delta = self.text[self.sent :]
        self.sent = len(self.text)
        return Step(delta=delta, finish_reason=reason, trimmed=trimmed)

    def _safe_delta(self) -> str:
        """New text that no later stop cut, sentence trim or incomplete character can take back."""
        if not self._live:
            return ""
        safe = len(self.text) - self._hold
        if self.params.trim_to_sentence:
            safe = min(safe, streamable_prefix(self.text))
        while safe > self.sent and self.text[safe - 1] == "\ufffd":  # an incomplete UTF-8 sequence
            safe -= 1
        if safe <= self.sent:
            return ""
        delta = self.text[self.sent : safe]
        self.sent = safe
        return delta
