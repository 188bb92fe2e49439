"""Router + ChatEmotive: the decision steers each turn, rides in response_metadata, streams end to end."""

from __future__ import annotations

from uuid import UUID

import pytest
from _router_helpers import SHIFT_CONVERSATION, KeywordClassifier
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import FakeListChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from emotive_agents.langchain import ChatEmotive
from emotive_agents.router import AffectRouter, EmpatheticChain, empathetic_chain
from emotive_agents.router.chain import recent_messages


@pytest.fixture
def chat(tiny_engine) -> ChatEmotive:
    return ChatEmotive(engine=tiny_engine, max_tokens=6)


def router(policy: str = "support") -> AffectRouter:
    return AffectRouter(policy=policy, classifier=KeywordClassifier())


def test_invoke_carries_the_decision_and_steers_with_its_mix(chat: ChatEmotive, tiny_engine) -> None:
    chain = empathetic_chain(router(), chat)
    reply = chain.invoke([HumanMessage("I'm so happy today")])
    decision = router().invoke("I'm so happy today", vector_set=tiny_engine.vector_set)
    assert isinstance(reply, AIMessage) and reply.content
    assert reply.response_metadata["decision"] == decision.to_json()
    assert reply.response_metadata["escalated"] is False
    assert decision.mix == {"joy": 0.4}  # calm is not in the tiny vector set
    assert reply.response_metadata["emotion"] == decision.mix
    unsteered = chat.invoke([HumanMessage("I'm so happy today")], emotion={})
    assert reply.content != unsteered.content


def test_pipe_syntax_builds_the_chain_and_streams_end_to_end(chat: ChatEmotive) -> None:
    chain = router() | chat
    assert isinstance(chain, EmpatheticChain)
    chunks = list(chain.stream("I'm furious about my bill"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks) and len(chunks) > 2
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert total.response_metadata["decision"]["label"] == "anger"
    assert total.response_metadata["decision"]["mix"] == {"anger": -0.2}
    assert total.content == chain.invoke("I'm furious about my bill").content


def test_crisis_returns_the_escalation_without_calling_the_model(chat: ChatEmotive, slow) -> None:
    chain = empathetic_chain(router("health"), chat)
    reply = chain.invoke("I want to kill myself")
    chunks = list(chain.stream("I want to kill myself"))
    assert slow.calls == 0
    assert reply.response_metadata["escalated"] is True
    assert reply.response_metadata["decision"]["crisis"] is True
    assert "emergency" in str(reply.content)
    assert len(chunks) == 1 and chunks[0].content == reply.content


def test_tracker_passes_through_the_chain(chat: ChatEmotive) -> None:
    r = router("health")
    chain = empathetic_chain(r, chat)
    first = r.invoke("I'm so sad")
    reply = chain.invoke(
        [HumanMessage("I'm so sad"), AIMessage("..."), HumanMessage("ok")], tracker=first.tracker
    )
    assert reply.response_metadata["decision"]["label"] in {"sadness", "neutral"}
    assert reply.response_metadata["decision"]["mix"].get("sadness", 0) <= 0


async def test_async_invoke_and_stream(chat: ChatEmotive) -> None:
    chain = empathetic_chain(router(), chat)
    reply = await chain.ainvoke("wow, really?")
    chunks = [c async for c in chain.astream("wow, really?")]
    assert reply.response_metadata["decision"]["label"] == "surprise"
    assert chunks[0].response_metadata["decision"] == reply.response_metadata["decision"]
    assert "".join(str(c.content) for c in chunks) == reply.content


def test_a_model_without_emotion_is_refused() -> None:
    with pytest.raises(TypeError, match="ChatEmotive"):
        empathetic_chain(router(), FakeListChatModel(responses=["x"]))


def test_recent_messages_keeps_system_messages_and_the_last_exchanges() -> None:
    messages = [
        SystemMessage("be kind"),
        HumanMessage("a"),
        AIMessage("1"),
        HumanMessage("b"),
        AIMessage("2"),
        HumanMessage("c"),
    ]
    assert [m.content for m in recent_messages(messages, 0)] == ["be kind", "c"]
    assert [m.content for m in recent_messages(messages, 1)] == ["be kind", "b", "2", "c"]
    assert recent_messages(messages, 5) == messages


def test_on_a_mood_shift_the_model_sees_only_the_last_exchange(chat: ChatEmotive, tiny_engine) -> None:
    conversation = SHIFT_CONVERSATION
    reply = empathetic_chain(router("health"), chat).invoke(conversation)
    decision = reply.response_metadata["decision"]
    assert decision["shift"]["from"] == "fear" and decision["shift"]["to"] == "joy"
    alone = chat.invoke([conversation[0], conversation[-1]], emotion=decision["mix"])
    assert reply.content == alone.content  # good news: no earlier exchange by default
    last = empathetic_chain(router("health"), chat, joy_shift_keep_turns=None).invoke(conversation)
    assert last.content == chat.invoke([conversation[0], *conversation[-3:]], emotion=decision["mix"]).content
    none = empathetic_chain(router("health"), chat, shift_keep_turns=0).invoke(conversation)
    assert none.content == alone.content
    whole = empathetic_chain(router("health"), chat, shift_keep_turns=None).invoke(conversation)
    assert whole.content == chat.invoke(conversation, emotion=decision["mix"]).content
    assert len({whole.content, last.content, none.content}) > 1  # the prompts differ, so do replies


class Runs(BaseCallbackHandler):
    """Records every chain and chat-model run a callback sees: (name, run id, parent run id)."""

    def __init__(self) -> None:
        self.chains: list[tuple[str, UUID, UUID | None]] = []
        self.models: list[UUID | None] = []  # the parent of each chat-model run
        self.ended: list[UUID] = []

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kwargs) -> None:
        self.chains.append((kwargs.get("name") or "", run_id, parent_run_id))

    def on_chain_end(self, outputs, *, run_id, **kwargs) -> None:
        self.ended.append(run_id)

    def on_chat_model_start(self, serialized, messages, *, run_id, parent_run_id=None, **kwargs) -> None:
        self.models.append(parent_run_id)

    def run(self, name: str) -> tuple[UUID, UUID | None]:
        found = [(run_id, parent) for n, run_id, parent in self.chains if n == name]
        assert len(found) == 1, self.chains
        return found[0]


def _check_nested(runs: Runs, *, model_calls: int = 1) -> None:
    chain_id, parent = runs.run("EmpatheticChain")
    assert parent is None and chain_id in runs.ended
    assert runs.run("AffectRouter")[1] == chain_id  # the router's run sits inside the chain's
    assert runs.models == [chain_id] * model_calls  # and so does the model's


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_callbacks_see_the_chain_run_with_the_router_and_model_inside(chat: ChatEmotive, mode: str) -> None:
    runs = Runs()
    chain = empathetic_chain(router(), chat)
    config = {"callbacks": [runs]}
    if mode == "invoke":
        chain.invoke("I'm so happy today", config)
    else:
        list(chain.stream("I'm so happy today", config))
    _check_nested(runs)


@pytest.mark.parametrize("mode", ["ainvoke", "astream"])
async def test_async_callbacks_see_the_chain_run_too(chat: ChatEmotive, mode: str) -> None:
    runs = Runs()
    chain = empathetic_chain(router(), chat)
    config = {"callbacks": [runs], "run_name": "empathy"}
    if mode == "ainvoke":
        await chain.ainvoke("I'm so happy today", config)
    else:
        [c async for c in chain.astream("I'm so happy today", config)]
    runs.chains = [("EmpatheticChain" if n == "empathy" else n, i, p) for n, i, p in runs.chains]
    _check_nested(runs)  # the run is named as asked


@pytest.mark.parametrize("policy", ["support", "tutor", "health"])
def test_an_escalated_turn_is_traced_and_never_calls_the_model(chat: ChatEmotive, slow, policy: str) -> None:
    runs = Runs()
    reply = empathetic_chain(router(policy), chat).invoke("I want to kill myself", {"callbacks": [runs]})
    assert reply.response_metadata["escalated"] is True and reply.content
    assert slow.calls == 0
    _check_nested(runs, model_calls=0)


def test_history_turns_caps_every_turn_of_the_chain(chat: ChatEmotive) -> None:
    conversation = [
        SystemMessage("be kind"),
        HumanMessage("hello"),
        AIMessage("hi"),
        HumanMessage("hello again"),
    ]
    reply = empathetic_chain(router(), chat, history_turns=0).invoke(conversation)
    mix = reply.response_metadata["decision"]["mix"]
    assert reply.content == chat.invoke([conversation[0], conversation[-1]], emotion=mix).content
