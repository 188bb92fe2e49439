"""An empathetic LangGraph agent: an "affect" node picks an emotion mix, a "respond" node answers with it.

The affect rule here is a deliberately trivial keyword match (a real affect router is a separate piece);
the point is the wiring: the mix travels in the graph state and ChatEmotive applies it per call, while
`stream_mode="messages"` streams the answer token by token.

Run: .venv/bin/python examples/langgraph_empathy.py   (needs langchain-core and langgraph; runs offline)
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, MessagesState, StateGraph

from emotive_agents.langchain import ChatEmotive

SYSTEM = "You are a supportive assistant. Answer in two or three sentences."

# keyword -> mix; the first rule whose keyword appears in the user's message wins.
RULES: list[tuple[tuple[str, ...], dict[str, float]]] = [
    (("lost", "died", "sad", "lonely", "miss"), {"sadness": 0.3, "calm": 0.8, "patient": 0.6}),
    (("angry", "furious", "unfair", "broke", "cancelled"), {"calm": 1.0, "patient": 0.8}),
    (("scared", "nervous", "afraid", "worried", "exam"), {"calm": 0.8, "encouraging": 0.8}),
    (("great", "won", "happy", "promoted", "passed"), {"joy": 1.0, "encouraging": 0.5}),
]


class EmpathyState(MessagesState):
    emotion: dict[str, float]


def affect(state: EmpathyState) -> dict[str, dict[str, float]]:
    """Pick a mix from the last user message (stand-in for the real affect router)."""
    text = str(state["messages"][-1].content).lower()
    for keywords, mix in RULES:
        if any(word in text for word in keywords):
            return {"emotion": mix}
    return {"emotion": {"calm": 0.5}}


chat = ChatEmotive(max_tokens=48)  # loads the embedded SmolLM2-135M on first use


def respond(state: EmpathyState) -> dict[str, list]:
    reply = chat.invoke([SystemMessage(SYSTEM), *state["messages"]], emotion=state["emotion"])
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
    for text in [
        "My flight got cancelled and the airline is being so unfair about it.",
        "I have my driving exam tomorrow and I'm really nervous.",
        "I passed! I got the job I wanted!",
    ]:
        print(f"USER: {text}")
        started = time.perf_counter()
        mix: dict[str, float] = {}
        print("ASSISTANT: ", end="", flush=True)
        for mode, payload in app.stream(
            {"messages": [HumanMessage(text)]}, stream_mode=["updates", "messages"]
        ):
            if mode == "updates" and "affect" in payload:
                mix = payload["affect"]["emotion"]
            elif mode == "messages":
                chunk, metadata = payload
                if metadata.get("langgraph_node") == "respond":
                    print(chunk.content, end="", flush=True)  # token by token
        label = ", ".join(f"{k}={v:+.1f}" for k, v in mix.items())
        print(f"\n  [affect picked {label}; {time.perf_counter() - started:.1f}s]\n")


if __name__ == "__main__":
    main()
