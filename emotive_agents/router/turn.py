"""One turn, planned once for every consumer: decide, then escalate or steer.

The router decides on the whole conversation. An escalating decision (a crisis turn under a policy that
escalates) is answered with the policy's safe message and nothing is generated: the plan then carries
no prompt at all. Otherwise the plan carries the mix to steer with and the prompt the model should see:
the system prompt, the recent exchanges and the new user turn. On a detected mood shift only the last
`shift_turns` exchanges are kept, and on a shift to joy only `joy_shift_turns` (none by default): older
replies written for the old mood pull a small model back into it, and on good news even the last
sympathetic reply does (measured on three conversation sets in docs/router.md, "Fourth round").

The session (`ChatSession`), the LangChain chain (`EmpatheticChain`) and the server all plan their turns
here and differ only in how they generate. Messages stay in the caller's form (role/content dicts or
LangChain messages), so nothing here needs LangChain or a model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

# A LangChain message's `type` as the chat-template role it stands for.
_ROLES = {"human": "user", "ai": "assistant", "developer": "system"}


class Decider(Protocol):
    """What the pipeline needs from a router: `invoke(messages) -> decision` (e.g. `AffectRouter`).

    The decision needs `escalation` (str or None), `mix` and, optionally, `shift` (None when the mood
    did not change); `RouteDecision` has them all. `config`, `tracker` and `vector_set` are passed on
    only when the caller gives them, so a plain `invoke(messages)` is enough for a custom router.
    """

    def invoke(self, messages: Any, /) -> Any: ...


class TurnPlan(BaseModel):
    """What to do with one user turn: send `escalation` as the reply, or generate from `messages`
    steered with `mix`."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    decision: Any = Field(description="The router's decision (a RouteDecision for AffectRouter).")
    mix: dict[str, float] = Field(
        description="The mix to steer with: the override, if any, else the router's."
    )
    messages: list[Any] = Field(description="The prompt the model sees; empty when the turn escalates.")
    escalation: str | None = Field(default=None, description="The reply to send instead of generating.")
    overridden: bool = Field(default=False, description="True when an override set the mix.")
    shifted: bool = Field(default=False, description="True when the router detected a mood shift.")

    @property
    def escalated(self) -> bool:
        """True when the reply is the escalation text and nothing may be generated."""
        return self.escalation is not None


def role(message: Any) -> str:
    """A message's chat role: 'system', 'user' or 'assistant' (others as given), dict or LangChain."""
    name = message.get("role") if isinstance(message, Mapping) else getattr(message, "type", None)
    return _ROLES.get(str(name), str(name))


def recent_messages(messages: Sequence[Any], keep_turns: int) -> list[Any]:
    """System messages, then the last `keep_turns` user/assistant exchanges before the newest user turn."""
    system = [m for m in messages if role(m) == "system"]
    rest = [m for m in messages if role(m) != "system"]
    users = [i for i, m in enumerate(rest) if role(m) == "user"]
    if not users:
        return list(messages)
    start = users[-1 - keep_turns] if keep_turns < len(users) else 0
    return [*system, *rest[start:]]


class TurnPipeline:
    """decide (router) -> escalate (the safe message, no generation) or steer (mix + prompt).

    `system_prompt` is put first in every prompt (the router never needs it). `history_turns` caps the
    earlier exchanges the model sees on any turn (None: all of them); `shift_turns` caps them on a turn
    with a detected mood shift (None: no extra cap, on any shift) and `joy_shift_turns` on a shift to
    joy (None: as `shift_turns`; never wider than it). `vector_set` is passed to the router so its guard
    rails keep only emotions the model can steer.

    >>> pipeline = TurnPipeline(AffectRouter(policy="support"), system_prompt="You are ...")
    >>> plan = pipeline.plan([{"role": "user", "content": "My order is late!"}])
    >>> plan.escalation or engine.generate(plan.messages, plan.mix).text
    """

    def __init__(
        self,
        router: Decider,
        *,
        system_prompt: str | None = None,
        history_turns: int | None = None,
        shift_turns: int | None = 1,
        joy_shift_turns: int | None = 0,
        vector_set: Any = None,
    ) -> None:
        caps = (
            ("history_turns", history_turns),
            ("shift_turns", shift_turns),
            ("joy_shift_turns", joy_shift_turns),
        )
        for name, value in caps:
            if value is not None and value < 0:
                raise ValueError(f"{name} must be 0 or more (or None for no cap), got {value}")
        self.router = router
        self.system_prompt = system_prompt
        self.history_turns = history_turns
        self.shift_turns = shift_turns
        self.joy_shift_turns = joy_shift_turns
        self.vector_set = vector_set

    # -- deciding ---------------------------------------------------------------------------------
    def _options(self, tracker: Any, vector_set: Any) -> dict[str, Any]:
        vs = vector_set if vector_set is not None else self.vector_set
        return {k: v for k, v in (("tracker", tracker), ("vector_set", vs)) if v is not None}

    def decide(
        self, conversation: Sequence[Any], *, config: Any = None, tracker: Any = None, vector_set: Any = None
    ) -> Any:
        """The router's decision on the conversation (a RouteDecision for AffectRouter; the system
        prompt is not part of the conversation the router reads)."""
        options = self._options(tracker, vector_set)
        if config is None and not options:
            return self.router.invoke(list(conversation))
        return self.router.invoke(list(conversation), config, **options)  # type: ignore[call-arg]

    async def adecide(
        self, conversation: Sequence[Any], *, config: Any = None, tracker: Any = None, vector_set: Any = None
    ) -> Any:
        """`decide` without blocking the event loop (the router's `ainvoke`, else a worker thread)."""
        ainvoke = getattr(self.router, "ainvoke", None)
        if ainvoke is None:
            return await asyncio.to_thread(
                self.decide, conversation, config=config, tracker=tracker, vector_set=vector_set
            )
        options = self._options(tracker, vector_set)
        if config is None and not options:
            return await ainvoke(list(conversation))
        return await ainvoke(list(conversation), config, **options)

    # -- planning ---------------------------------------------------------------------------------
    def prompt(
        self, conversation: Sequence[Any], *, shift: bool = False, shift_to: str | None = None
    ) -> list[Any]:
        """The messages the model sees: the system prompt, the recent exchanges and the newest user turn.

        `shift`: the turn is a detected mood shift; `shift_to`: its new mood, if known.
        """
        keep = self.history_turns
        if shift and self.shift_turns is not None:
            cap = self.shift_turns
            if shift_to == "joy" and self.joy_shift_turns is not None:
                cap = min(cap, self.joy_shift_turns)  # never wider than the shift cap
            keep = cap if keep is None else min(keep, cap)
        messages = list(conversation) if keep is None else recent_messages(conversation, keep)
        if self.system_prompt is None:
            return messages
        head: Any = {"role": "system", "content": self.system_prompt}
        return [head, *messages]

    def steer(
        self, conversation: Sequence[Any], decision: Any, *, override: Mapping[str, float] | None = None
    ) -> TurnPlan:
        """The plan for a decision already made: escalate, or the mix and the (shift-trimmed) prompt.

        `override` replaces the router's mix on a steered turn; it never overrides an escalation.
        """
        escalation = getattr(decision, "escalation", None)
        if escalation is not None:  # nothing is generated, so the mix only reports what was chosen
            return TurnPlan(
                decision=decision, mix=dict(decision.mix), messages=[], escalation=str(escalation)
            )
        shift = getattr(decision, "shift", None)
        shifted = shift is not None
        shift_to = shift.get("to") if isinstance(shift, Mapping) else getattr(shift, "to", None)
        mix = dict(override) if override is not None else dict(decision.mix)
        return TurnPlan(
            decision=decision,
            mix=mix,
            messages=self.prompt(conversation, shift=shifted, shift_to=shift_to),
            overridden=override is not None,
            shifted=shifted,
        )

    def plan(
        self,
        conversation: Sequence[Any],
        *,
        override: Mapping[str, float] | None = None,
        config: Any = None,
        tracker: Any = None,
        vector_set: Any = None,
    ) -> TurnPlan:
        """Decide on `conversation` (ending with the new user turn), then escalate or steer."""
        decision = self.decide(conversation, config=config, tracker=tracker, vector_set=vector_set)
        return self.steer(conversation, decision, override=override)

    async def aplan(
        self,
        conversation: Sequence[Any],
        *,
        override: Mapping[str, float] | None = None,
        config: Any = None,
        tracker: Any = None,
        vector_set: Any = None,
    ) -> TurnPlan:
        """`plan` for async callers (the server's routes): the router runs off the event loop."""
        decision = await self.adecide(conversation, config=config, tracker=tracker, vector_set=vector_set)
        return self.steer(conversation, decision, override=override)


__all__ = ["Decider", "TurnPipeline", "TurnPlan", "recent_messages", "role"]
