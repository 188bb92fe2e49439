"""Teacher-forced extraction: it is generate-then-pool with the replies given instead of generated."""

from __future__ import annotations

import pytest
import torch
from _tiny import SIMPLE_TEMPLATE, build_tiny_llama, encode, make_tokenizer

from emotive_agents.errors import VectorSetError
from emotive_agents.generation.generator import Generator
from emotive_agents.generation.types import GenerationRequest, SamplingParams
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.corpus import Reply, ReplyCorpus
from emotive_agents.vectors.extract import ExtractionConfig, extract_vectors
from emotive_agents.vectors.queries import EmotionPrompts, Query
from emotive_agents.vectors.teacher_forced import (
    TeacherForcedConfig,
    extract_from_replies,
    forced_pairs,
)

QUERIES = ("how are you?", "what is rain?", "tell me a joke")
PROMPTS = EmotionPrompts(neutral="be plain", emotions={"joy": "be joyful!!", "anger": "be ANGRY"})


@pytest.fixture(scope="module")
def chat_llama() -> LoadedModel:
    return LoadedModel.from_hf(build_tiny_llama(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny-chat")


def _corpus(rows: list[tuple[str, str, str]]) -> ReplyCorpus:
    return ReplyCorpus(rows=tuple(Reply(query=q, emotion=e, response=r) for q, e, r in rows))


@pytest.mark.parametrize("shared_prompt", [True, False])
def test_forced_replies_equal_generation_based_extraction(
    chat_llama: LoadedModel, shared_prompt: bool
) -> None:
    """Forcing the very replies the model generated, after the prompts it generated them under, gives
    the generation-based vectors exactly."""
    config = ExtractionConfig(emotions=("joy", "anger"), max_new_tokens=6)
    generated = extract_vectors(chat_llama, [Query(text=q) for q in QUERIES], PROMPTS, config)
    generator = Generator(chat_llama)
    rows = []
    for condition in ("neutral", "joy", "anger"):
        emotion = None if condition == "neutral" else condition
        requests = [
            GenerationRequest(
                messages=tuple(PROMPTS.messages(emotion, q)), params=SamplingParams(max_new_tokens=6)
            )
            for q in QUERIES
        ]
        for query, (_, response) in zip(QUERIES, generator.generate_ids(requests), strict=True):
            rows.append((query, condition, chat_llama.tokenizer.decode(response)))
    forced = extract_from_replies(
        chat_llama,
        _corpus(rows),
        TeacherForcedConfig(
            emotions=("joy", "anger"), prompt="condition", batch_size=2, shared_prompt=shared_prompt
        ),
        prompts=PROMPTS,
    )
    assert forced.emotions == generated.emotions
    assert torch.allclose(forced.vectors, generated.vectors, atol=1e-5)
    assert forced.metadata.created["method"] == "teacher_forced"
    assert generated.metadata.created["method"] == "generation"


def test_replies_follow_the_neutral_prompt_and_only_reply_tokens_are_pooled(chat_llama: LoadedModel) -> None:
    corpus = _corpus([("hi", "neutral", "plain text"), ("hi", "joy", "yay yay!")])
    pairs = forced_pairs(chat_llama, corpus.rows)
    tokenizer = chat_llama.tokenizer
    assert pairs[0][0] == pairs[1][0] == encode(tokenizer, "<|user|>hi\n<|assistant|>")
    assert pairs[1][1] == encode(tokenizer, "yay yay!")
    assert forced_pairs(chat_llama, corpus.rows[1:], max_response_tokens=3)[0][1] == encode(tokenizer, "yay")
    progress: list[tuple[int, int]] = []
    vector_set = extract_from_replies(chat_llama, corpus, on_progress=lambda d, t: progress.append((d, t)))
    assert progress == [(1, 1)]  # both replies follow one prompt: one shared batch
    unshared = TeacherForcedConfig(shared_prompt=False)
    progress.clear()
    extract_from_replies(chat_llama, corpus, unshared, on_progress=lambda d, t: progress.append((d, t)))
    assert progress[-1] == (2, 2)  # one batch per condition
    assert vector_set.emotions == ("joy", "base")
    assert vector_set["joy"].tensor.abs().sum() > 0
    assert vector_set.metadata.created["responses"] == {"neutral": 1, "joy": 1}


def test_components(chat_llama: LoadedModel) -> None:
    rows = [(q, e, f"{e} reply to {q}") for q in QUERIES for e in ("neutral", "joy", "anger", "fear")]
    corpus = _corpus(rows)
    raw = extract_from_replies(chat_llama, corpus)
    centred = extract_from_replies(chat_llama, corpus, TeacherForcedConfig(component="centred"))
    specific = extract_from_replies(chat_llama, corpus, TeacherForcedConfig(component="specific"))
    mean = raw.vectors[:3].sum(0) / 4  # over joy, anger, fear and neutral (whose EV is 0)
    assert torch.allclose(centred["joy"].tensor, raw["joy"].tensor - mean, atol=1e-6)
    assert torch.allclose(centred["base"].tensor, raw["base"].tensor)
    base = specific["base"].tensor
    assert torch.allclose(
        (specific["fear"].tensor * base).sum(-1), torch.zeros(chat_llama.num_layers), atol=1e-4
    )


def test_missing_conditions_are_refused(chat_llama: LoadedModel) -> None:
    corpus = _corpus([("hi", "neutral", "plain"), ("hi", "joy", "yay")])
    with pytest.raises(VectorSetError, match="no replies for: anger"):
        extract_from_replies(chat_llama, corpus, TeacherForcedConfig(emotions=("joy", "anger")))
    with pytest.raises(VectorSetError, match="needs the prompt set"):
        extract_from_replies(chat_llama, corpus, TeacherForcedConfig(prompt="condition"))
