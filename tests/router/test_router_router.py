"""AffectRouter: input forms, decisions, stateless vs tracked multi-turn, crisis escalation, Runnable use."""

from __future__ import annotations

import pytest
from _router_helpers import KeywordClassifier
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from emotive_agents.affect.types import LABELS, NEGATIVE_LABELS
from emotive_agents.router import AffectRouter, AffectTracker, RouteDecision, RouterInputError
from emotive_agents.router.shift import ShiftSettings


def make(keywords: KeywordClassifier, policy: str = "health") -> AffectRouter:
    return AffectRouter(policy=policy, classifier=keywords)


def test_decision_has_the_contract_fields(keywords: KeywordClassifier) -> None:
    decision = make(keywords, "support").invoke("I'm furious, you charged me twice!")
    assert isinstance(decision, RouteDecision)
    payload = decision.to_json()
    assert set(payload) == {"reading", "label", "crisis", "risk", "mix", "rationale", "shift"}
    assert payload["risk"] == {
        "category": "none",
        "score": payload["risk"]["score"],
        "evidence": [],
        "detectors": [],
    }
    assert payload["shift"] is None
    assert set(payload["reading"]) == set(LABELS)
    assert payload["label"] == "anger" and payload["crisis"] is False
    assert payload["mix"]["calm"] > 0 and payload["mix"]["anger"] < 0
    assert "anger" in payload["rationale"] and decision.escalation is None


@pytest.mark.parametrize(
    "messages",
    [
        "I'm scared",
        [HumanMessage("I'm scared")],
        [{"role": "user", "content": "I'm scared"}],
        [SystemMessage("be kind"), HumanMessage("hello"), AIMessage("hi"), HumanMessage("I'm scared")],
        {"messages": [("user", "I'm scared")]},
    ],
)
def test_every_input_form_reads_the_last_user_turn(keywords: KeywordClassifier, messages: object) -> None:
    decision = make(keywords).invoke(messages)
    assert decision.current.label == "fear"


def test_no_user_message_is_a_clear_error(keywords: KeywordClassifier) -> None:
    with pytest.raises(RouterInputError, match="no user message"):
        make(keywords).invoke([SystemMessage("only a system prompt")])
    with pytest.raises(RouterInputError):
        make(keywords).invoke(42)


def test_neutral_question_after_distress_is_still_answered_gently(keywords: KeywordClassifier) -> None:
    router = make(keywords)
    turns = ["I'm so sad", "I keep crying", "I'm sad all day", "What time does the clinic open?"]
    history = []
    for text in turns:
        history += [HumanMessage(text), AIMessage("...")]
    decision = router.invoke(history[:-1])
    alone = make(KeywordClassifier()).invoke(turns[-1])
    assert decision.current.label == "neutral" and decision.distressed
    assert alone.rule == "default" and not alone.distressed
    assert decision.rule != "default"
    assert all(decision.mix.get(e, 0.0) <= 0 for e in NEGATIVE_LABELS)


def test_tracker_mode_reads_only_the_newest_turn_and_matches_stateless(keywords: KeywordClassifier) -> None:
    texts = ["I'm nervous", "I'm so happy now", "wow really?"]
    stateless = make(KeywordClassifier()).invoke([HumanMessage(t) for t in texts])
    router = make(keywords)
    state: AffectTracker | None = None
    for i in range(len(texts)):
        decision = router.invoke([HumanMessage(t) for t in texts[: i + 1]], tracker=state)
        state = decision.tracker
    assert all(len(call) == 1 for call in keywords.calls)  # one new text per turn
    assert decision.reading == stateless.reading and decision.mix == stateless.mix


def test_stateless_replay_classifies_each_text_once(keywords: KeywordClassifier) -> None:
    router = make(keywords)
    conversation = [HumanMessage("I'm sad")]
    router.invoke(conversation)
    conversation += [AIMessage("..."), HumanMessage("still sad")]
    router.invoke(conversation)
    assert keywords.calls == [["I'm sad"], ["still sad"]]


def test_crisis_turn_escalates_under_health(keywords: KeywordClassifier) -> None:
    decision = make(keywords).invoke("I don't want to live anymore")
    assert decision.crisis and decision.escalated and decision.rule == "crisis"
    assert decision.escalation and "emergency" in decision.escalation
    assert "escalated" in decision.rationale
    assert all(decision.mix.get(e, 0.0) <= 0 for e in NEGATIVE_LABELS)


def test_crisis_memory_keeps_escalating_for_the_next_turns(keywords: KeywordClassifier) -> None:
    router = make(keywords)
    decision = router.invoke([HumanMessage("I want to die"), AIMessage("..."), HumanMessage("whatever")])
    assert decision.crisis and decision.escalated
    many = [HumanMessage("I want to die")] + [HumanMessage(f"ok {i}") for i in range(5)]
    assert not router.invoke(many).crisis  # health remembers 3 turns


def test_idiom_is_not_a_crisis(keywords: KeywordClassifier) -> None:
    decision = make(keywords, "tutor").invoke("This exam is killing me")
    assert not decision.crisis and decision.escalation is None


def test_policy_without_escalation_flags_but_does_not_escalate(keywords: KeywordClassifier) -> None:
    router = AffectRouter(policy={"name": "plain", "default_mix": {"joy": 0.5}}, classifier=keywords)
    decision = router.invoke("I want to kill myself")
    assert decision.crisis and not decision.escalated
    assert "joy" not in decision.mix  # crisis mix, not the default


def test_vector_set_limits_the_mix_to_its_emotions(keywords: KeywordClassifier, tiny_engine) -> None:
    decision = make(keywords, "support").invoke("I'm furious", vector_set=tiny_engine.vector_set)
    assert set(decision.mix) <= set(tiny_engine.vector_set.emotions)
    assert "dropped calm" in decision.rationale


def test_unknown_classifier_name_and_options_are_errors() -> None:
    with pytest.raises(RouterInputError, match="unknown classifier"):
        _ = AffectRouter(classifier="nope").classifier
    with pytest.raises(TypeError, match="unknown options"):
        AffectRouter(classifier=KeywordClassifier()).invoke("hi", temperature=1)


def test_batch_and_pipe_into_a_function(keywords: KeywordClassifier) -> None:
    router = make(keywords, "support")
    labels = router.batch(["I'm happy", "I'm scared"])
    assert [d.current.label for d in labels] == ["joy", "fear"]
    chain = router | (lambda d: d.label)
    assert chain.invoke("this is gross") == "disgust"


def test_langgraph_style_state_with_a_serialised_tracker(keywords: KeywordClassifier) -> None:
    router = make(keywords)
    first = router.invoke("I'm so sad")
    state = {"messages": [HumanMessage("I'm so sad"), AIMessage("..."), HumanMessage("ok")]}
    decision = router.invoke({**state, "tracker": first.tracker.model_dump(mode="json")})
    assert keywords.calls[-1] == ["ok"] and decision.tracker.turns == 2
    assert decision.distressed  # the sad first turn is remembered through the serialised state


# -- mood shifts ------------------------------------------------------------------------------------


def _conversation(*texts: str) -> list:
    out: list = []
    for text in texts:
        out += [HumanMessage(text), AIMessage("...")]
    return out[:-1]


def test_relief_after_worry_is_followed_not_smoothed_away(keywords: KeywordClassifier) -> None:
    turns = ("I'm scared", "I'm so nervous", "still scared", "I'm so happy, all is fine!")
    decision = make(keywords).invoke(_conversation(*turns))
    assert decision.shift is not None and (decision.shift.from_, decision.shift.to) == ("fear", "joy")
    assert decision.label == "joy" and decision.rule == "relief or good news"
    assert decision.mix["joy"] > 0 and decision.mix["calm"] > 0
    assert "mood shift fear -> joy" in decision.rationale
    payload = decision.to_json()
    assert payload["shift"] == decision.shift.to_json()
    assert set(payload["shift"]) == {"from", "to", "strength"}
    # Without shift detection the smoothed fear would still pick the afraid-patient rule.
    plain = AffectRouter(policy="health", classifier=keywords, shift=ShiftSettings(enabled=False))
    assert plain.invoke(_conversation(*turns)).rule == "afraid patient"


@pytest.mark.parametrize(
    ("turns", "to", "rule", "suppressed"),
    [
        (("hello", "ok thanks"), None, "default", ()),
        (("hello", "ok", "I'm furious now!"), "anger", "turned angry", ("anger",)),
        (("I'm so happy", "great day", "I'm sad, crying all day"), "sadness", "turned sad", ("sadness",)),
        (("hello", "ok", "I'm really scared"), "fear", "turned afraid", ("fear",)),
    ],
)
def test_each_shift_gets_its_rule_and_no_negative_emotion_is_amplified(
    keywords: KeywordClassifier, turns: tuple[str, ...], to: str | None, rule: str, suppressed: tuple
) -> None:
    decision = make(keywords).invoke(_conversation(*turns))
    assert (decision.shift.to if decision.shift else None) == to and decision.rule == rule
    assert all(decision.mix.get(e, 0.0) < 0 for e in suppressed)
    assert all(decision.mix.get(e, 0.0) <= 0 for e in NEGATIVE_LABELS)


@pytest.mark.parametrize(
    "question",
    ["What time does the clinic open?", "Do I need to bring my insurance card?", "Where do I park?"],
)
def test_controls_a_neutral_question_after_distress_is_no_shift_and_stays_gentle(
    keywords: KeywordClassifier, question: str
) -> None:
    decision = make(keywords).invoke(_conversation("I'm scared", "so nervous tonight", question))
    assert decision.shift is None and decision.distressed and decision.rule != "default"
    assert decision.to_json()["shift"] is None


def test_a_crisis_is_never_shifted_away_within_its_memory(keywords: KeywordClassifier) -> None:
    router = make(keywords)  # health remembers a crisis for 3 turns
    turns = ["I'm so sad", "I want to die", "haha I'm so happy now, great!", "great, happy"]
    for end in (3, 4):
        decision = router.invoke(_conversation(*turns[:end]))
        assert decision.crisis and decision.escalated and decision.rule == "crisis"
        assert decision.shift is None
    assert "ignored" in router.invoke(_conversation(*turns[:3])).rationale
    # Tracked turn by turn, the same holds.
    state = None
    for end in range(1, 4):
        decision = router.invoke(_conversation(*turns[:end]), tracker=state)
        state = decision.tracker
    assert decision.crisis and decision.shift is None and decision.tracker.shift is not None


@pytest.mark.parametrize("policy", ["health", "support", "tutor"])
def test_every_shipped_crisis_message_stays_a_crisis_when_a_happy_turn_follows(policy: str) -> None:
    from emotive_agents.router.message_sets import crisis_messages

    router = make(KeywordClassifier(), policy)
    for row in crisis_messages():
        before = router.invoke(row["text"])
        assert before.crisis == row["crisis"], row["text"]
        if row["crisis"]:
            after = router.invoke(_conversation("I'm so sad", row["text"], "I'm so happy now, great!"))
            assert after.crisis and after.rule == "crisis" and after.shift is None, row["text"]
