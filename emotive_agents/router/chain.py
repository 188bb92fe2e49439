"""The empathetic chain: router decision -> ChatEmotive steered with the decision's mix, streaming end to end.

Every answer's `response_metadata["decision"]` is the decision's JSON (on the first streamed chunk, so
it adds up once when chunks are summed). A crisis turn under an escalating policy returns the policy's
escalation message and never calls the model. On a detected mood shift the model sees the system
messages and only the last `shift_keep_turns` exchanges before the new turn (one by default): older
replies written for the old mood pull a small model back into it; with none at all it mirrors the
user's new negative mood more often (measured in docs/router.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig

from emotive_agents.router.router import AffectRouter, RouteDecision, RouterInputError


def _as_messages(input: Any) -> list[BaseMessage]:
    if isinstance(input, str):
        return [HumanMessage(input)]
    if isinstance(input, PromptValue):
        return input.to_messages()
    if isinstance(input, dict) and "messages" in input:
        input = input["messages"]
    try:
        return convert_to_messages(list(input))
    except (ValueError, TypeError, NotImplementedError) as exc:
        raise RouterInputError(f"cannot read the conversation: {exc}") from exc


def _vector_set_of(model: BaseChatModel) -> Any:
    """The vector set a ChatEmotive steers with (its engine's), or None for models without one."""
    engine = getattr(model, "engine", None)
    if engine is None and hasattr(model, "_engine_for"):
        engine = model._engine_for(None)
    return getattr(engine, "vector_set", None)


def recent_messages(messages: list[BaseMessage], keep_turns: int) -> list[BaseMessage]:
    """System messages, then the last `keep_turns` user/assistant exchanges before the newest user turn."""
    system = [m for m in messages if m.type == "system"]
    rest = [m for m in messages if m.type != "system"]
    human = [i for i, m in enumerate(rest) if m.type == "human"]
    if not human:
        return messages
    start = human[-1 - keep_turns] if keep_turns < len(human) else 0
    return [*system, *rest[start:]]


class EmpatheticChain(Runnable[Any, AIMessage]):
    """messages -> AIMessage, steered per turn by an AffectRouter (see module docstring)."""

    def __init__(
        self, router: AffectRouter, model: BaseChatModel, *, shift_keep_turns: int | None = 1
    ) -> None:
        if "emotion" not in type(model).model_fields:
            raise TypeError(
                f"empathetic_chain needs a chat model with a per-call emotion (ChatEmotive), "
                f"got {type(model).__name__}"
            )
        self.router = router
        self.model = model
        self.shift_keep_turns = shift_keep_turns  # None: keep the whole history on a shift too

    def decide(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> RouteDecision:
        vector_set = (
            self.router.vector_set if self.router.vector_set is not None else _vector_set_of(self.model)
        )
        return self.router.invoke(input, config, vector_set=vector_set, **kwargs)

    @staticmethod
    def _meta(decision: RouteDecision) -> dict[str, Any]:
        return {"decision": decision.to_json(), "escalated": decision.escalated}

    def _escalation(self, decision: RouteDecision) -> AIMessage:
        assert decision.escalation is not None
        return AIMessage(content=decision.escalation, response_metadata=self._meta(decision))

    def _for_model(self, messages: list[BaseMessage], decision: RouteDecision) -> list[BaseMessage]:
        if decision.shift is None or self.shift_keep_turns is None:
            return messages
        return recent_messages(messages, self.shift_keep_turns)

    def _route(
        self, input: Any, config: RunnableConfig | None, kwargs: dict[str, Any]
    ) -> tuple[list[BaseMessage], RouteDecision]:
        messages = _as_messages(input)
        decision = self.decide(messages, config, tracker=kwargs.pop("tracker", None))
        return self._for_model(messages, decision), decision

    async def _aroute(
        self, input: Any, config: RunnableConfig | None, kwargs: dict[str, Any]
    ) -> tuple[list[BaseMessage], RouteDecision]:
        messages = _as_messages(input)
        vector_set = (
            self.router.vector_set if self.router.vector_set is not None else _vector_set_of(self.model)
        )
        decision = await self.router.ainvoke(
            messages, config, vector_set=vector_set, tracker=kwargs.pop("tracker", None)
        )
        return self._for_model(messages, decision), decision

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AIMessage:
        """kwargs: tracker=AffectTracker; any other is passed to the model call (e.g. max_tokens)."""
        messages, decision = self._route(input, config, kwargs)
        if decision.escalated:
            return self._escalation(decision)
        reply = self.model.invoke(messages, config, emotion=decision.mix, **kwargs)
        meta = {**reply.response_metadata, **self._meta(decision)}
        return AIMessage(
            content=reply.content,
            response_metadata=meta,
            usage_metadata=getattr(reply, "usage_metadata", None),
            id=reply.id,
        )

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        messages, decision = self._route(input, config, kwargs)
        if decision.escalated:
            yield AIMessageChunk(content=decision.escalation or "", response_metadata=self._meta(decision))
            return
        yield AIMessageChunk(content="", response_metadata=self._meta(decision))
        yield from self.model.stream(messages, config, emotion=decision.mix, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AIMessage:
        messages, decision = await self._aroute(input, config, kwargs)
        if decision.escalated:
            return self._escalation(decision)
        reply = await self.model.ainvoke(messages, config, emotion=decision.mix, **kwargs)
        meta = {**reply.response_metadata, **self._meta(decision)}
        return AIMessage(
            content=reply.content,
            response_metadata=meta,
            usage_metadata=getattr(reply, "usage_metadata", None),
        )

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        messages, decision = await self._aroute(input, config, kwargs)
        if decision.escalated:
            yield AIMessageChunk(content=decision.escalation or "", response_metadata=self._meta(decision))
            return
        yield AIMessageChunk(content="", response_metadata=self._meta(decision))
        async for chunk in self.model.astream(messages, config, emotion=decision.mix, **kwargs):
            yield chunk


def empathetic_chain(
    router: AffectRouter, model: BaseChatModel, *, shift_keep_turns: int | None = 1
) -> EmpatheticChain:
    """messages -> AIMessage steered by `router`'s decision each turn (also what `router | model` builds)."""
    return EmpatheticChain(router, model, shift_keep_turns=shift_keep_turns)


__all__ = ["EmpatheticChain", "empathetic_chain", "recent_messages"]
