"""An empathetic LangGraph agent: an "affect" node runs the AffectRouter, a "respond" node answers.

The router reads the user's emotion every turn (MiniLM + trained head + exemplars + VADER), smooths it
over the conversation in an `AffectTracker` kept in the graph state, picks an emotion mix by policy
(here the shipped "health" policy) and flags crises. A clear change of mood (the good news after three
worried turns) is a `shift`: its rule answers the new mood, and the reply sees only the last exchange
and the new turn (on good news the new turn alone), so the worried history cannot pull the model back
into sympathy. A crisis turn is
answered with the policy's safe escalation message instead of free generation. `stream_mode="messages"`
streams answers token by token.

Run: .venv/bin/python examples/langgraph_empathy.py   (needs langchain-core and langgraph; runs offline)
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, MessagesState, StateGraph

from emotive_agents.langchain import ChatEmotive
from emotive_agents.router import AffectRouter, AffectTracker
from emotive_agents.router.turn import recent_messages

SYSTEM = "You are a supportive health assistant. Answer in two or three sentences."

chat = ChatEmotive(max_tokens=48)  # loads the embedded SmolLM2-135M on first use
router = AffectRouter(policy="health")  # or "tutor", "support", a Policy, or a YAML/JSON file


class EmpathyState(MessagesState):
    tracker: dict[str, Any] | None  # AffectTracker as plain data (serialisable with the graph state)
    decision: dict[str, Any]
    escalation: str | None


def affect(state: EmpathyState) -> dict[str, Any]:
    """Read the newest user turn into the running affect state and choose the mix."""
    tracker = AffectTracker.model_validate(state["tracker"]) if state.get("tracker") else None
    engine = chat._engine_for(None)  # the model's vector set bounds the mix (emotions, calibrated range)
    decision = router.invoke(state["messages"], tracker=tracker, vector_set=engine.vector_set)
    return {
        "tracker": decision.tracker.model_dump(mode="json"),
        "decision": decision.to_json(),
        "escalation": decision.escalation,
    }


def respond(state: EmpathyState) -> dict[str, list]:
    if state.get("escalation"):  # crisis under an escalating policy: the safe template, no generation
        return {"messages": [AIMessage(state["escalation"])]}
    mix = state["decision"]["mix"]
    # On a mood shift older, worried exchanges would pull a small model back into sympathy: as the turn
    # pipeline does for the chain and the chat session, keep the last exchange only, none on good news.
    shift = state["decision"].get("shift")
    history = (
        recent_messages(state["messages"], 0 if shift["to"] == "joy" else 1) if shift else state["messages"]
    )
    reply = chat.invoke([SystemMessage(SYSTEM), *history], emotion=mix)
    return {"messages": [reply]}


def build_graph() -> Any:  # a compiled LangGraph graph
    graph = StateGraph(EmpathyState)
    graph.add_node("affect", affect)
    graph.add_node("respond", respond)
    graph.add_edge(START, "affect")
    graph.add_edge("affect", "respond")
    graph.add_edge("respond", END)
    return graph.compile()


def main() -> None:
    app = build_graph()
    state: dict[str, Any] = {"messages": [], "tracker": None}
    for text in [
        "I found a lump last week and I'm really scared it might be cancer.",
        "The biopsy is on Friday. I can't sleep.",
        "What should I bring to the appointment?",  # neutral, but answered gently after the fear
        "I passed my check-up and everything is fine!",
    ]:
        print(f"USER: {text}")
        started = time.perf_counter()
        state["messages"] = [*state["messages"], HumanMessage(text)]
        print("ASSISTANT: ", end="", flush=True)
        for mode, payload in app.stream(state, stream_mode=["values", "messages"]):
            if mode == "values":
                state = payload
            elif payload[1].get("langgraph_node") == "respond":
                print(payload[0].content, end="", flush=True)  # token by token
        if state.get("escalation"):
            print(state["escalation"], end="")
        decision = state["decision"]
        mix = ", ".join(f"{k}={v:+.2f}" for k, v in decision["mix"].items())
        seconds = time.perf_counter() - started
        shift = decision.get("shift")
        moved = f", shift {shift['from']} -> {shift['to']}" if shift else ""
        print(f"\n  [{decision['label']}, crisis={decision['crisis']}{moved}: {mix}; {seconds:.1f}s]")
        print(f"  [{decision['rationale']}]\n")


if __name__ == "__main__":
    main()
