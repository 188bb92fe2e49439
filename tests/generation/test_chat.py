"""Chat messages -> prompt text, including templates that refuse some message layouts."""

from __future__ import annotations

import pydantic
import pytest
from _tiny import SIMPLE_TEMPLATE, make_tokenizer

from emotive_agents.errors import GenerationError
from emotive_agents.generation.chat import (
    ChatMessage,
    merge_consecutive,
    normalize_messages,
    render_prompt,
)

# Demands user/assistant alternation starting with the user, and has no system role (like Gemma's/Mistral's).
STRICT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "[{{ m['role'] }}]{{ m['content'] }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
)
# Like STRICT_TEMPLATE, but an optional leading system message is allowed (like Llama 2's).
STRICT_WITH_SYSTEM_TEMPLATE = (
    "{% set offset = 1 if messages[0]['role'] == 'system' else 0 %}"
    "{% for m in messages %}"
    "{% if loop.index0 >= offset and (m['role'] == 'user') != ((loop.index0 - offset) % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "[{{ m['role'] }}]{{ m['content'] }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
)
ALWAYS_FAILS = "{{ raise_exception('nothing is good enough') }}"


def test_a_string_is_one_user_turn() -> None:
    assert normalize_messages("Hi there") == [ChatMessage(role="user", content="Hi there")]


@pytest.mark.parametrize(
    ("alias", "role"), [("human", "user"), ("ai", "assistant"), ("bot", "assistant"), ("model", "assistant")]
)
def test_role_aliases(alias: str, role: str) -> None:
    messages = normalize_messages([{"role": alias, "content": "x"}])
    assert messages == [ChatMessage(role=role, content="x")]


def test_messages_and_dicts_mix() -> None:
    given = ChatMessage(role="system", content="Be brief.")
    messages = normalize_messages(
        [given, {"role": "human", "content": "Hello"}, {"role": "ai", "content": "Hi"}]
    )
    assert [m.role for m in messages] == ["system", "user", "assistant"]
    assert messages[0] is given


def test_empty_messages_are_an_error() -> None:
    with pytest.raises(GenerationError, match="empty"):
        normalize_messages([])


@pytest.mark.parametrize(
    "message",
    [
        {"role": "narrator", "content": "x"},
        {"role": "user"},
        {"content": "x"},
        {"role": "user", "content": 3},
    ],
)
def test_invalid_messages(message) -> None:
    with pytest.raises(pydantic.ValidationError):
        normalize_messages([message])


def test_merge_consecutive() -> None:
    messages = normalize_messages(
        [
            {"role": "user", "content": "a"},
            {"role": "user", "content": "b"},
            {"role": "assistant", "content": "c"},
            {"role": "user", "content": "d"},
            {"role": "user", "content": "e"},
            {"role": "user", "content": "f"},
        ]
    )
    merged = merge_consecutive(messages)
    assert [(m.role, m.content) for m in merged] == [
        ("user", "a\n\nb"),
        ("assistant", "c"),
        ("user", "d\n\ne\n\nf"),
    ]
    assert merge_consecutive([]) == []
    assert len(messages) == 6  # the input is not modified


def test_plain_format_without_chat_template(tokenizer) -> None:
    assert not tokenizer.chat_template
    prompt = render_prompt(
        tokenizer, [{"role": "system", "content": "Be kind."}, {"role": "human", "content": "Hi"}]
    )
    assert prompt == "System: Be kind.\nUser: Hi\nAssistant:"
    assert render_prompt(tokenizer, "Hello") == "User: Hello\nAssistant:"


def test_chat_template_is_used() -> None:
    tokenizer = make_tokenizer(SIMPLE_TEMPLATE)
    prompt = render_prompt(tokenizer, [{"role": "user", "content": "Hi"}, {"role": "ai", "content": "Yo"}])
    assert prompt == "<|user|>Hi\n<|assistant|>Yo\n<|assistant|>"


def test_strict_template_accepts_alternating_turns() -> None:
    tokenizer = make_tokenizer(STRICT_TEMPLATE)
    messages = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"},
    ]
    assert render_prompt(tokenizer, messages) == "[user]a\n[assistant]b\n[user]c\n[assistant]"


def test_strict_template_falls_back_to_merged_turns() -> None:
    tokenizer = make_tokenizer(STRICT_TEMPLATE)
    with pytest.raises(Exception, match="alternate"):  # the template itself refuses the raw turns
        tokenizer.apply_chat_template(
            [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], tokenize=False
        )
    prompt = render_prompt(tokenizer, [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])
    assert prompt == "[user]a\n\nb\n[assistant]"


def test_strict_template_folds_the_system_prompt_into_the_first_user_turn() -> None:
    tokenizer = make_tokenizer(STRICT_TEMPLATE)
    messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Bye"},
    ]
    assert (
        render_prompt(tokenizer, messages) == "[user]Be kind.\n\nHi\n[assistant]Hello\n[user]Bye\n[assistant]"
    )
    only_system = render_prompt(tokenizer, [{"role": "system", "content": "Be kind."}])
    assert only_system == "[user]Be kind.\n[assistant]"


def test_merging_keeps_a_system_message_the_template_accepts() -> None:
    tokenizer = make_tokenizer(STRICT_WITH_SYSTEM_TEMPLATE)
    messages = [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
    ]
    assert render_prompt(tokenizer, messages) == "[system]S\n[user]a\n\nb\n[assistant]"


def test_template_that_always_fails_is_a_generation_error() -> None:
    tokenizer = make_tokenizer(ALWAYS_FAILS)
    with pytest.raises(GenerationError, match="nothing is good enough"):
        render_prompt(tokenizer, "Hi")
