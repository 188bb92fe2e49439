"""The turn pipeline: decide, then escalate (no prompt, nothing generated) or steer (mix + trimmed prompt)."""

from __future__ import annotations

from typing import Any

import pytest
from _router_helpers import SHIFT_CONVERSATION, KeywordClassifier
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from emotive_agents.router import AffectRouter, TurnPipeline, TurnPlan
from emotive_agents.router.turn import recent_messages, role

CRISIS = "I want to kill myself"


def router(policy: str = "support") -> AffectRouter:
    return AffectRouter(policy=policy, classifier=KeywordClassifier())


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def bot(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


class PlainRouter:
    """A custom router with only `invoke(messages)`: the pipeline must not pass it config or options."""

    def __init__(self, decision: Any) -> None:
        self.decision = decision
        self.seen: list[list[Any]] = []

    def invoke(self, messages: Any) -> Any:
        self.seen.append(messages)
        return self.decision


@pytest.mark.parametrize("policy", ["support", "tutor", "health"])
def test_a_crisis_turn_escalates_with_no_prompt_on_every_shipped_policy(policy: str) -> None:
    pipeline = TurnPipeline(router(policy), system_prompt="Be kind.", history_turns=1)
    plan = pipeline.plan([user("hello"), bot("hi!"), user(CRISIS)], override={"joy": 1.0})
    assert plan.escalated and plan.decision.crisis
    assert plan.escalation == plan.decision.escalation and plan.escalation
    assert plan.messages == []  # nothing for a model to generate from
    assert not plan.overridden  # an override never beats the escalation
    assert plan.mix == plan.decision.mix  # reported, never used


def test_a_steered_turn_gets_the_routers_mix_and_the_prompt() -> None:
    conversation = [user("I'm so happy"), bot("hi!"), user("I'm happy, great day")]
    pipeline = TurnPipeline(router(), system_prompt="Be kind.")
    plan = pipeline.plan(conversation)
    decision = router().invoke(conversation)
    assert isinstance(plan, TurnPlan) and not plan.escalated and not plan.shifted
    assert plan.mix == decision.mix and plan.mix.get("joy", 0) > 0
    assert plan.decision.to_json() == decision.to_json()
    assert plan.messages == [{"role": "system", "content": "Be kind."}, *conversation]


def test_an_override_replaces_the_mix_on_a_steered_turn() -> None:
    plan = TurnPipeline(router()).plan([user("I'm furious about my bill")], override={"calm": 0.9})
    assert plan.overridden and plan.mix == {"calm": 0.9}
    assert plan.decision.mix == {"calm": 0.5, "patient": 0.3, "anger": -0.2}  # the router's, kept


def test_history_turns_caps_the_exchanges_the_model_sees() -> None:
    conversation = [user("a"), bot("1"), user("b"), bot("2"), user("c")]
    prompt = TurnPipeline(router(), history_turns=1).plan(conversation).messages
    assert prompt == [user("b"), bot("2"), user("c")]
    assert TurnPipeline(router(), history_turns=0).plan(conversation).messages == [user("c")]
    assert TurnPipeline(router(), history_turns=None).plan(conversation).messages == conversation


SHIFT = SHIFT_CONVERSATION


def test_on_a_mood_shift_only_the_last_exchanges_are_kept() -> None:
    plan = TurnPipeline(router("health")).plan(SHIFT)
    assert plan.shifted and plan.decision.shift.to == "joy"
    # Good news: by default no earlier (sympathetic) exchange is kept; LangChain messages stay as they are.
    assert plan.messages == [SHIFT[0], SHIFT[-1]]
    last = TurnPipeline(router("health"), joy_shift_turns=None).plan(SHIFT).messages
    assert last == [SHIFT[0], *SHIFT[-3:]]  # None: as shift_turns (1)
    assert TurnPipeline(router("health"), joy_shift_turns=1, shift_turns=0).plan(SHIFT).messages == [
        SHIFT[0],
        SHIFT[-1],
    ]  # the joy cap never widens the shift cap
    assert TurnPipeline(router("health"), shift_turns=None).plan(SHIFT).messages == SHIFT
    # The tighter cap wins: a history cap of 0 is not widened by the shift cap of 1.
    assert TurnPipeline(router("health"), history_turns=0).plan(SHIFT).messages == [SHIFT[0], SHIFT[-1]]


def test_on_a_shift_to_a_negative_mood_the_last_exchange_is_kept() -> None:
    calm = [user("hello"), bot("hi!"), user("what is a verb?"), bot("a doing word"), user("this is so gross")]
    plan = TurnPipeline(router("support")).plan(calm)
    assert plan.shifted and plan.decision.shift.to == "disgust"
    assert plan.messages == calm[-3:]
    pipeline = TurnPipeline(router("support"))
    assert pipeline.prompt(calm, shift=True) == calm[-3:]  # no mood given: the shift cap
    assert pipeline.prompt(calm, shift=True, shift_to="joy") == calm[-1:]


def test_without_a_shift_the_shift_cap_does_not_trim() -> None:
    steady = [*SHIFT[:-1], HumanMessage("still scared, honestly")]
    plan = TurnPipeline(router("health"), shift_turns=0).plan(steady)
    assert not plan.shifted and plan.messages == steady


async def test_aplan_plans_the_same_turn() -> None:
    conversation = [user("hello"), bot("hi!"), user("wow, really?")]
    pipeline = TurnPipeline(router(), system_prompt="Be kind.", history_turns=1)
    sync, concurrent = pipeline.plan(conversation), await pipeline.aplan(conversation)
    assert concurrent.model_dump(exclude={"decision"}) == sync.model_dump(exclude={"decision"})
    assert concurrent.decision.to_json() == sync.decision.to_json()
    assert (await pipeline.aplan([user(CRISIS)])).escalated


class PlainAsyncRouter(PlainRouter):
    """A custom router with `invoke(messages)` and `ainvoke(messages)` only."""

    async def ainvoke(self, messages: Any) -> Any:
        return self.invoke(messages)


async def test_a_plain_invoke_router_is_enough() -> None:
    decision = router().invoke("I'm so happy today")
    plain = PlainRouter(decision)
    plan = TurnPipeline(plain).plan([user("x")])
    assert plain.seen == [[user("x")]] and plan.mix == decision.mix
    assert (await TurnPipeline(plain).aplan([user("y")])).mix == decision.mix  # via a worker thread
    both = PlainAsyncRouter(decision)
    assert (await TurnPipeline(both).aplan([user("z")])).mix == decision.mix
    assert both.seen == [[user("z")]]


def test_the_tracker_and_vector_set_reach_the_router(tiny_engine) -> None:
    first = router("health").invoke("I'm so sad")
    pipeline = TurnPipeline(router("health"), vector_set=tiny_engine.vector_set)
    plan = pipeline.plan([user("I'm so sad"), bot("..."), user("ok")], tracker=first.tracker)
    assert plan.decision.tracker.turns == first.tracker.turns + 1  # only the newest turn was added
    assert set(plan.mix) <= set(tiny_engine.vector_set.emotions)  # the guard rails saw the set


def test_negative_caps_are_refused() -> None:
    with pytest.raises(ValueError, match="joy_shift_turns"):
        TurnPipeline(router(), joy_shift_turns=-1)
    with pytest.raises(ValueError, match="history_turns"):
        TurnPipeline(router(), history_turns=-1)
    with pytest.raises(ValueError, match="shift_turns"):
        TurnPipeline(router(), shift_turns=-2)


def test_roles_read_dicts_and_langchain_messages_alike() -> None:
    assert [role(m) for m in SHIFT[:3]] == ["system", "user", "assistant"]
    assert [role(m) for m in (user("a"), bot("b"), {"role": "developer", "content": ""})] == [
        "user",
        "assistant",
        "system",
    ]
    mixed = [SystemMessage("s"), user("a"), AIMessage("1"), user("b")]
    assert recent_messages(mixed, 0) == [mixed[0], mixed[-1]]
    assert recent_messages([SystemMessage("s")], 0) == [SystemMessage("s")]  # no user turn: unchanged
