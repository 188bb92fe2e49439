"""The alpha-sweep harness end to end on a tiny model, with a fake judge whose answers are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors
from pydantic import BaseModel

from emotive_agents.engine import EmotiveEngine
from emotive_agents.evaluation.harness import Condition, EvalConfig, _request, run_eval, spread
from emotive_agents.evaluation.report import write_report
from emotive_agents.generation.types import SamplingParams
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.queries import EmotionPrompts, Query
from emotive_agents.vectors.vector_set import EmotionVectorSet

LABELS = ("anger", "joy", "neutral")


class FakeReading(BaseModel):
    probabilities: dict[str, float]
    valence: float


class AlwaysJoy:
    """Judges every text as 70 % joy."""

    def score(self, texts):
        return [
            FakeReading(probabilities={"joy": 0.7, "anger": 0.1, "neutral": 0.2}, valence=0.5) for _ in texts
        ]


class ConstantEmbedder:
    def embed(self, texts):
        return torch.ones(len(texts), 4) / 2


@pytest.fixture(scope="module")
def engine() -> EmotiveEngine:
    loaded = LoadedModel.from_hf(build_tiny_llama(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny")
    vectors = EmotionVectorSet.from_vectors(
        random_vectors(LLAMA_LAYERS, ("joy", "anger")), loaded.fingerprint
    )
    return EmotiveEngine(loaded, vectors)


def test_spread_keeps_every_block() -> None:
    queries = [Query(text=str(i)) for i in range(400)]
    picked = spread(queries, 8)
    assert [q.text for q in picked] == ["0", "50", "100", "150", "200", "250", "300", "350"]
    assert spread(queries, None) == queries


def test_eval_end_to_end(engine: EmotiveEngine, tmp_path: Path) -> None:
    queries = [Query(text=t) for t in ("how are you?", "what is rain?", "tell me a joke", "help")]
    prompts = EmotionPrompts(neutral="plain", emotions={"joy": "be happy", "anger": "be angry"})
    config = EvalConfig(alphas=(-1.0, 0.0, 2.0), emotions=("joy", "anger"), limit=3, max_new_tokens=6)
    report = run_eval(
        engine, queries, AlwaysJoy(), ConstantEmbedder(), config, prompts=prompts, vectors_name="t"
    )
    # unsteered + 2 emotions x (2 non-zero alphas + prompting)
    assert len(report.results) == 1 + 2 * 3
    assert all(m.n == 3 for m in report.results)
    joy = report.find("steering", "joy", 2.0)
    anger = report.find("steering", "anger", -1.0)
    assert joy.target_top1 == 1.0 and anger.target_top1 == 0.0
    assert joy.target_probability == pytest.approx(0.7)
    assert joy.target_probability_shift == pytest.approx(0.0)  # the fake judge ignores the text
    assert report.find("unsteered").mean_probabilities["joy"] == pytest.approx(0.7)
    assert all(m.topic_similarity == pytest.approx(1.0) for m in report.results)
    assert report.find("prompting", "anger").condition.method == "prompting"
    assert all(m.perplexity > 1 for m in report.results)
    steered_texts = {s.response for s in report.samples if s.condition.alpha == 2.0}
    plain_texts = {s.response for s in report.samples if s.condition.method == "unsteered"}
    assert steered_texts != plain_texts  # steering reached the generations

    files = write_report(report, tmp_path / "out")
    names = {f.name for f in files}
    assert names == {"metrics.json", "report.md", "emotion_vs_alpha.png", "fluency_vs_alpha.png"}
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["queries"] == 3
    assert "| steering joy | 2.0 |" in (tmp_path / "out" / "report.md").read_text()
    assert (tmp_path / "out" / "emotion_vs_alpha.png").read_bytes()[:4] == b"\x89PNG"


class NeverJoy:
    def score(self, texts):
        probs = {"joy": 0.1, "anger": 0.1, "neutral": 0.8}
        return [FakeReading(probabilities=probs, valence=0.0) for _ in texts]


def test_other_queries_top1_and_prompt_placement(engine: EmotiveEngine) -> None:
    queries = [
        Query(text="a", emotion="joy"),
        Query(text="b", emotion="anger"),
        Query(text="c", emotion=None),
        Query(text="d", emotion="neutral"),
    ]
    prompts = EmotionPrompts(
        neutral="plain",
        emotions={"joy": "be happy"},
        user_neutral="plainly",
        user_emotions={"joy": "happily"},
    )
    config = EvalConfig(alphas=(0.0,), emotions=("joy",), max_new_tokens=3, prompt_placement="user")
    report = run_eval(engine, queries, AlwaysJoy(), ConstantEmbedder(), config, prompts=prompts)
    prompted = report.find("prompting", "joy")
    assert prompted.target_top1 == 1.0
    assert prompted.target_top1_other_queries == 1.0  # over b and d; c states no emotion; a is joy's own
    assert report.find("unsteered").target_top1_other_queries is None  # no target emotion
    never = run_eval(engine, queries, NeverJoy(), ConstantEmbedder(), config, prompts=prompts)
    assert never.find("prompting", "joy").target_top1_other_queries == 0.0

    params = SamplingParams(max_new_tokens=3)
    request = _request(Condition(method="prompting", emotion="joy"), queries[0], prompts, params, "user")
    assert [(m.role, m.content) for m in request.messages] == [("user", "a\n\nhappily")]
    request = _request(Condition(method="prompting", emotion="joy"), queries[0], prompts, params)
    assert [(m.role, m.content) for m in request.messages] == [("system", "be happy"), ("user", "a")]


def test_prompt_steering_and_split_runs(engine: EmotiveEngine, tmp_path: Path) -> None:
    """Prompt plus steering uses both the prompt and the mix; runs can skip steering or unsteered."""
    prompts = EmotionPrompts(neutral="plain", emotions={"joy": "be joyful", "anger": "be angry"})
    condition = Condition(method="prompt_steering", emotion="joy", alpha=1.0)
    request = _request(condition, Query(text="hi"), prompts, SamplingParams(max_new_tokens=2))
    assert request.emotion.as_dict() == {"joy": 1.0}
    assert request.messages[0].content == "be joyful"
    queries = [Query(text=t) for t in ("how are you?", "what is rain?")]
    embedder = ConstantEmbedder()
    config = EvalConfig(alphas=(1.0,), emotions=("joy",), max_new_tokens=3, prompt_steering_alphas=(1.0,))
    report = run_eval(engine, queries, AlwaysJoy(), embedder, config, prompts=prompts)
    methods = [(r.condition.method, r.condition.alpha) for r in report.results]
    assert methods == [("unsteered", 0.0), ("steering", 1.0), ("prompting", 0.0), ("prompt_steering", 1.0)]
    baselines = run_eval(
        engine, queries, AlwaysJoy(), embedder, config.model_copy(update={"steering": False}), prompts=prompts
    )
    assert [r.condition.method for r in baselines.results] == ["unsteered", "prompting", "prompt_steering"]
    alone = run_eval(
        engine,
        queries,
        AlwaysJoy(),
        embedder,
        config.model_copy(update={"unsteered": False, "prompt_steering_alphas": ()}),
        prompts=prompts,
    )
    assert [r.condition.method for r in alone.results] == ["steering", "prompting"]
    assert alone.results[0].target_probability_shift is None  # no unsteered run to compare with
    assert len(write_report(alone, tmp_path / "alone")) == 2  # metrics and report, no plots


def test_progress_counts_batches_and_leaves_results_unchanged(engine: EmotiveEngine) -> None:
    queries = [Query(text=t) for t in ("how are you?", "what is rain?", "tell me a joke")]
    config = EvalConfig(alphas=(0.0, 1.0, 2.0), emotions=("joy",), max_new_tokens=4, prompting_baseline=False)
    small = EmotiveEngine(engine.loaded, engine.vector_set, max_batch_size=2)  # 9 rows -> 5 batches
    progress: list[tuple[int, int]] = []
    counted = run_eval(
        small,
        queries,
        AlwaysJoy(),
        ConstantEmbedder(),
        config,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    # 5 generation batches, 1 perplexity batch, the judge, the topic embeddings.
    assert progress == [(i, 8) for i in range(9)]
    plain = run_eval(engine, queries, AlwaysJoy(), ConstantEmbedder(), config)
    assert [s.response for s in counted.samples] == [s.response for s in plain.samples]
    assert [m.perplexity for m in counted.results] == pytest.approx([m.perplexity for m in plain.results])


class CalmStyles:
    """A style judge that reads every text as 60 % calm."""

    labels = ("calm", "encouraging", "patient", "other")

    def score(self, texts):
        probs = {"calm": 0.6, "encouraging": 0.1, "patient": 0.1, "other": 0.2}
        return [FakeReading(probabilities=probs, valence=0.0) for _ in texts]


def test_styles_are_scored_by_the_style_judge() -> None:
    loaded = LoadedModel.from_hf(build_tiny_llama(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny")
    vectors = EmotionVectorSet.from_vectors(random_vectors(LLAMA_LAYERS, ("joy", "calm")), loaded.fingerprint)
    engine = EmotiveEngine(loaded, vectors)
    queries = [Query(text=t) for t in ("what is rain?", "help")]
    config = EvalConfig(
        alphas=(0.0, 1.0), emotions=("joy", "calm"), max_new_tokens=3, prompting_baseline=False
    )
    report = run_eval(engine, queries, AlwaysJoy(), ConstantEmbedder(), config, style_scorer=CalmStyles())
    calm, joy = report.find("steering", "calm", 1.0), report.find("steering", "joy", 1.0)
    assert (calm.target_judge, calm.target_top1, calm.target_probability) == (
        "style",
        1.0,
        pytest.approx(0.6),
    )
    assert calm.target_probability_shift == pytest.approx(0.0)  # against the unsteered style reading
    assert (joy.target_judge, joy.target_top1) == ("emotion", 1.0)
    assert calm.mean_probabilities["joy"] == pytest.approx(0.7)  # the emotion judge still reads every row
    without = run_eval(engine, queries, AlwaysJoy(), ConstantEmbedder(), config)
    assert without.find("steering", "calm", 1.0).target_top1 == 0.0  # the emotion judge has no "calm"
