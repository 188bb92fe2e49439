"""Risk that emerges over a conversation escalates through the server's `"emotion": "auto"` path."""

from __future__ import annotations

import httpx
from _server_helpers import TINY

from emotive_agents.router import load_policy

# Short turns: the tiny test model's context window is 256 characters.
TURNS = ["I feel so sad.", "I cry every night.", "I feel alone.", "I've written the letters."]


def _body(turns: list[str]) -> dict[str, object]:
    messages: list[dict[str, str]] = []
    for text in turns:
        messages += [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]
    return {"model": TINY, "messages": messages[:-1], "max_tokens": 8, "emotion": "auto", "policy": "health"}


def test_emerging_risk_escalates_at_its_turn_with_the_risk_field(client: httpx.Client) -> None:
    before = client.post("/v1/chat/completions", json=_body(TURNS[:3])).json()["emotive"]
    assert before["escalated"] is False and before["decision"]["crisis"] is False
    assert before["decision"]["risk"]["category"] == "none"
    response = client.post("/v1/chat/completions", json=_body(TURNS))
    assert response.status_code == 200, response.text
    data = response.json()
    emotive = data["emotive"]
    assert emotive["escalated"] is True and emotive["decision"]["crisis"] is True
    risk = emotive["decision"]["risk"]
    assert set(risk) == {"category", "score", "evidence", "detectors"} and risk["category"] != "none"
    escalation = load_policy("health").escalation
    assert escalation is not None
    assert data["choices"][0]["message"]["content"] == escalation.message(risk["category"])
