"""ChatEmotive inside a LangGraph graph: the mix comes from the state, tokens stream in "messages" mode."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langgraph")

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph

from emotive_agents.engine import EmotiveEngine
from emotive_agents.langchain import ChatEmotive


class MoodState(MessagesState):
    emotion: dict[str, float]


def test_graph_streams_a_steered_answer_token_by_token(tiny_engine: EmotiveEngine) -> None:
    chat = ChatEmotive(engine=tiny_engine, max_tokens=12)

    def affect(state: MoodState) -> dict[str, Any]:
        return {"emotion": {"joy": 1.0} if "great" in str(state["messages"][-1].content) else {}}

    def respond(state: MoodState) -> dict[str, Any]:
        return {"messages": [chat.invoke(state["messages"], emotion=state["emotion"])]}

    graph = StateGraph(MoodState)
    graph.add_node("affect", affect)
    graph.add_node("respond", respond)
    graph.add_edge(START, "affect")
    graph.add_edge("affect", "respond")
    graph.add_edge("respond", END)
    app = graph.compile()

    chunks = [
        chunk
        for chunk, metadata in app.stream({"messages": [HumanMessage("great")]}, stream_mode="messages")
        if metadata["langgraph_node"] == "respond"
    ]
    expected = chat.invoke([HumanMessage("great")], emotion={"joy": 1.0})
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert len([c for c in chunks if c.content]) > 1  # streamed, not one final message
    assert "".join(str(c.content) for c in chunks) == expected.content
    final = app.invoke({"messages": [HumanMessage("great")]})
    assert isinstance(final["messages"][-1], AIMessage)
    assert final["messages"][-1].response_metadata["emotion"] == {"joy": 1.0}
    assert final["emotion"] == {"joy": 1.0}
