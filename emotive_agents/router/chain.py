"""The empathetic chain: router decision -> ChatEmotive steered with the decision's mix, streaming end to end.

Every answer's `response_metadata["decision"]` is the decision's JSON (on the first streamed chunk, so
it adds up once when chunks are summed). The turn itself is planned by `TurnPipeline`: a crisis turn
under an escalating policy returns the policy's escalation message and never calls the model; on a
detected mood shift the model sees the system messages and only the last `shift_keep_turns` exchanges
before the new turn (one by default; on a shift to joy `joy_shift_keep_turns`, none by default). The
chain is one traced run (`_call_with_config`): callbacks see "EmpatheticChain" with the router's and
the model's runs inside it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig

from emotive_agents.router.decision import RouterInputError
from emotive_agents.router.turn import Decider, TurnPipeline, TurnPlan, recent_messages


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


def _meta(plan: TurnPlan) -> dict[str, Any]:
    return {"decision": plan.decision.to_json(), "escalated": plan.escalated}


class EmpatheticChain(Runnable[Any, AIMessage]):
    """messages -> AIMessage, steered per turn by an AffectRouter (see module docstring).

    `history_turns` caps the earlier exchanges the model sees on every turn (None, the default: all).
    """

    def __init__(
        self,
        router: Decider,
        model: BaseChatModel,
        *,
        shift_keep_turns: int | None = 1,
        history_turns: int | None = None,
        joy_shift_keep_turns: int | None = 0,
    ) -> None:
        if "emotion" not in type(model).model_fields:
            raise TypeError(
                f"empathetic_chain needs a chat model with a per-call emotion (ChatEmotive), "
                f"got {type(model).__name__}"
            )
        self.router = router
        self.model = model
        self.shift_keep_turns = shift_keep_turns  # None: keep the whole history on a shift too
        self.pipeline = TurnPipeline(
            router,
            history_turns=history_turns,
            shift_turns=shift_keep_turns,
            joy_shift_turns=joy_shift_keep_turns,
        )

    def _vector_set(self) -> Any:
        """The router's own vector set, else the model's (read per call: the engine may load lazily)."""
        own = getattr(self.router, "vector_set", None)
        return own if own is not None else _vector_set_of(self.model)

    # -- planning ---------------------------------------------------------------------------------
    def decide(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """The router's decision for `input` (with the model's vector set); kwargs: tracker=."""
        return self.pipeline.decide(
            _as_messages(input), config=config, vector_set=self._vector_set(), **kwargs
        )

    def _plan(self, input: Any, config: RunnableConfig, kwargs: dict[str, Any]) -> TurnPlan:
        tracker = kwargs.pop("tracker", None)
        return self.pipeline.plan(
            _as_messages(input), config=config, tracker=tracker, vector_set=self._vector_set()
        )

    async def _aplan(self, input: Any, config: RunnableConfig, kwargs: dict[str, Any]) -> TurnPlan:
        tracker = kwargs.pop("tracker", None)
        return await self.pipeline.aplan(
            _as_messages(input), config=config, tracker=tracker, vector_set=self._vector_set()
        )

    @staticmethod
    def _answer(plan: TurnPlan, reply: AIMessage | None = None) -> AIMessage:
        if reply is None:
            return AIMessage(content=plan.escalation or "", response_metadata=_meta(plan))
        return AIMessage(
            content=reply.content,
            response_metadata={**reply.response_metadata, **_meta(plan)},
            usage_metadata=getattr(reply, "usage_metadata", None),
            id=reply.id,
        )

    # -- Runnable ---------------------------------------------------------------------------------
    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AIMessage:
        """kwargs: tracker=AffectTracker; any other is passed to the model call (e.g. max_tokens)."""
        return self._call_with_config(self._invoke, input, config, run_type="chain", **kwargs)

    def _invoke(
        self, input: Any, run_manager: CallbackManagerForChainRun, config: RunnableConfig, **kwargs: Any
    ) -> AIMessage:
        plan = self._plan(input, config, kwargs)
        if plan.escalated:
            return self._answer(plan)
        return self._answer(plan, self.model.invoke(plan.messages, config, emotion=plan.mix, **kwargs))

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AIMessage:
        return await self._acall_with_config(self._ainvoke, input, config, run_type="chain", **kwargs)

    async def _ainvoke(
        self, input: Any, run_manager: AsyncCallbackManagerForChainRun, config: RunnableConfig, **kwargs: Any
    ) -> AIMessage:
        plan = await self._aplan(input, config, kwargs)
        if plan.escalated:
            return self._answer(plan)
        reply = await self.model.ainvoke(plan.messages, config, emotion=plan.mix, **kwargs)
        return self._answer(plan, reply)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        for chunk in self._transform_stream_with_config(
            iter([input]), self._stream, config, run_type="chain", **kwargs
        ):
            yield cast("AIMessageChunk", chunk)

    def _stream(
        self,
        inputs: Iterator[Any],
        run_manager: CallbackManagerForChainRun,
        config: RunnableConfig,
        **kwargs: Any,
    ) -> Iterator[AIMessage]:
        plan = self._plan(next(inputs), config, kwargs)
        if plan.escalated:
            yield AIMessageChunk(content=plan.escalation or "", response_metadata=_meta(plan))
            return
        yield AIMessageChunk(content="", response_metadata=_meta(plan))
        yield from self.model.stream(plan.messages, config, emotion=plan.mix, **kwargs)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        async def single() -> AsyncIterator[Any]:
            yield input

        async for chunk in self._atransform_stream_with_config(
            single(), self._astream, config, run_type="chain", **kwargs
        ):
            yield cast("AIMessageChunk", chunk)

    async def _astream(
        self,
        inputs: AsyncIterator[Any],
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessage]:
        plan = await self._aplan(await anext(inputs), config, kwargs)
        if plan.escalated:
            yield AIMessageChunk(content=plan.escalation or "", response_metadata=_meta(plan))
            return
        yield AIMessageChunk(content="", response_metadata=_meta(plan))
        async for chunk in self.model.astream(plan.messages, config, emotion=plan.mix, **kwargs):
            yield chunk


def empathetic_chain(
    router: Decider,
    model: BaseChatModel,
    *,
    shift_keep_turns: int | None = 1,
    history_turns: int | None = None,
    joy_shift_keep_turns: int | None = 0,
) -> EmpatheticChain:
    """messages -> AIMessage steered by `router`'s decision each turn (also what `router | model` builds)."""
    return EmpatheticChain(
        router,
        model,
        shift_keep_turns=shift_keep_turns,
        history_turns=history_turns,
        joy_shift_keep_turns=joy_shift_keep_turns,
    )


__all__ = ["EmpatheticChain", "empathetic_chain", "recent_messages"]
