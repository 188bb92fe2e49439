"""Calibration: the chosen scale is the largest alpha whose run (and every smaller one) stays fluent."""

from __future__ import annotations

import pytest
import torch
from _tiny import LLAMA_LAYERS, SIMPLE_TEMPLATE, build_tiny_llama, make_tokenizer, random_vectors

from emotive_agents.engine import EmotiveEngine
from emotive_agents.evaluation.calibrate import CalibrationConfig, calibrate, choose_scales
from emotive_agents.evaluation.harness import Condition, ConditionMetrics, EvalConfig, EvalReport
from emotive_agents.models.loading import LoadedModel
from emotive_agents.vectors.queries import Query
from emotive_agents.vectors.vector_set import EmotionVectorSet


def _metrics(emotion: str, alpha: float, d2: float, ppl: float, topic: float) -> ConditionMetrics:
    return ConditionMetrics(
        condition=Condition(method="steering", emotion=emotion, alpha=alpha),
        n=1,
        target_probability=None,
        target_top1=None,
        valence=0.0,
        distinct_2=d2,
        perplexity=ppl,
        topic_similarity=topic,
        distinct_2_ratio=d2,
        perplexity_ratio=ppl,
        topic_similarity_ratio=topic,
    )


def test_choose_scales_takes_the_last_alpha_before_the_first_failure() -> None:
    config = CalibrationConfig(emotions=("joy", "anger", "fear"), alphas=(0.5, 1.0, 2.0))
    rows = [
        _metrics("joy", 0.5, 1.0, 1.0, 1.0),
        _metrics("joy", 1.0, 0.95, 1.4, 0.9),
        _metrics("joy", 2.0, 0.5, 3.0, 0.5),  # degenerate
        _metrics("anger", 0.5, 1.0, 1.0, 1.0),
        _metrics("anger", 1.0, 1.0, 1.6, 1.0),  # perplexity over 1.5x
        _metrics("anger", 2.0, 1.0, 1.0, 1.0),  # passes again, but a smaller alpha failed
        _metrics("fear", 0.5, 1.0, 1.0, 0.8),  # off topic already
        _metrics("fear", 1.0, 1.0, 1.0, 1.0),
        _metrics("fear", 2.0, 1.0, 1.0, 1.0),
    ]
    report = EvalReport(model="m", vectors="v", config=EvalConfig(), queries=1, results=rows, samples=[])
    scales = {c.emotion: c.scale for c in choose_scales(report, config)}
    assert scales == {"joy": 1.0, "anger": 0.5, "fear": None}


class ConstantEmbedder:
    def embed(self, texts):
        return torch.ones(len(texts), 4) / 2


def test_calibrate_end_to_end_stores_scales_in_metadata() -> None:
    loaded = LoadedModel.from_hf(build_tiny_llama(), make_tokenizer(SIMPLE_TEMPLATE), name="tiny")
    vectors = EmotionVectorSet.from_vectors(
        random_vectors(LLAMA_LAYERS, ("joy", "anger")), loaded.fingerprint
    )
    engine = EmotiveEngine(loaded, vectors)
    config = CalibrationConfig(emotions=("joy", "anger"), alphas=(1.0, 5.0), limit=2, max_new_tokens=8)
    queries = [Query(text="hello there"), Query(text="what is up?")]
    calibrated, report, choices = calibrate(engine, queries, ConstantEmbedder(), config)
    assert len(report.results) == 1 + 2 * 2
    for choice in choices:
        expected = choice.scale if choice.scale is not None else 0.5
        assert calibrated.metadata.scale(choice.emotion) == expected
    assert calibrated.metadata.created["calibration"]["results"][0]["emotion"] == "joy"
    assert torch.equal(calibrated.vectors, vectors.vectors)  # only the metadata changes
    with pytest.raises(ValueError, match="uncalibrated"):
        calibrate(EmotiveEngine(loaded, calibrated), queries, ConstantEmbedder(), config)
