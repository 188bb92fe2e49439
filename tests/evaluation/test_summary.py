"""The end-of-run summaries: misses of the fluency limits are marked, and calibration names its stop."""

from __future__ import annotations

from emotive_agents.evaluation.calibrate import CalibrationConfig, choose_scales
from emotive_agents.evaluation.harness import Condition, ConditionMetrics, EvalConfig, EvalReport
from emotive_agents.evaluation.summary import (
    calibration_summary,
    eval_summary,
    format_calibration_summary,
    format_eval_summary,
)


def _m(
    method: str, emotion: str | None, alpha: float, d2: float, ppl: float, topic: float
) -> ConditionMetrics:
    judged = emotion is not None
    return ConditionMetrics(
        condition=Condition(method=method, emotion=emotion, alpha=alpha),  # type: ignore[arg-type]
        n=2,
        target_probability=0.5 if judged else None,
        target_top1=0.25 if judged else None,
        target_probability_shift=0.125 if judged else None,
        valence=0.0,
        distinct_2=d2,
        perplexity=ppl,
        topic_similarity=topic,
        distinct_2_ratio=d2,
        perplexity_ratio=ppl,
        topic_similarity_ratio=topic,
    )


def _report() -> EvalReport:
    rows = [
        _m("unsteered", None, 0.0, 1.0, 1.0, 1.0),
        _m("steering", "joy", 1.0, 0.95, 1.2, 0.9),
        _m("steering", "joy", 2.0, 0.5, 2.0, 0.9),  # repetitive and implausible
        _m("steering", "anger", 1.0, 1.0, 1.0, 0.8),  # off topic
        _m("steering", "anger", 2.0, 1.0, 1.0, 0.8),
    ]
    config = EvalConfig(alphas=(1.0, 2.0), emotions=("joy", "anger"), prompting_baseline=False)
    return EvalReport(model="m", vectors="v", config=config, queries=2, results=rows, samples=[])


def test_eval_summary_marks_every_missed_limit() -> None:
    summary = eval_summary(_report(), ["out/metrics.json"])
    assert [r.misses for r in summary.rows] == [[], [], ["distinct_2", "perplexity"], ["topic"], ["topic"]]
    text = format_eval_summary(summary)
    joy2 = next(line for line in text.splitlines() if line.startswith("joy") and " 2 " in line)
    assert joy2.split()[5:] == ["0.50*", "2.00*", "0.90"]
    assert joy2.split()[3:5] == ["0.25", "+0.125"]
    assert "3 of 4 conditions" in text
    assert text.endswith("wrote out/metrics.json")


def test_calibration_summary_names_the_limit_that_stopped_each_emotion() -> None:
    report = _report()
    config = CalibrationConfig(emotions=("joy", "anger"), alphas=(1.0, 2.0))
    choices = choose_scales(report, config)
    assert [(c.stopped_at, c.stopped_by) for c in choices] == [
        (2.0, ["distinct_2", "perplexity"]),
        (1.0, ["topic"]),
    ]
    summary = calibration_summary(
        report, choices, {"joy": 1.0, "anger": 0.5}, config, vectors="out", files=[]
    )
    text = format_calibration_summary(summary)
    joy = next(line for line in text.splitlines() if line.startswith("joy"))
    anger = next(line for line in text.splitlines() if line.startswith("anger"))
    assert "alpha 2: distinct-2 0.50x < 0.9x, perplexity 2.00x > 1.5x" in joy
    assert "0.5 (smallest alpha failed; half of it kept)" in anger and "topic 0.80x < 0.85x" in anger
    assert summary.rows[1].chosen is False and summary.rows[1].ratios_at_stop["topic"] == 0.8


def test_a_grid_that_passes_says_so() -> None:
    rows = [_m("unsteered", None, 0.0, 1.0, 1.0, 1.0), _m("steering", "joy", 1.0, 1.0, 1.0, 1.0)]
    report = EvalReport(model="m", vectors="v", config=EvalConfig(), queries=1, results=rows, samples=[])
    config = CalibrationConfig(emotions=("joy",), alphas=(1.0,))
    choices = choose_scales(report, config)
    text = format_calibration_summary(
        calibration_summary(report, choices, {"joy": 1.0}, config, vectors="o", files=[])
    )
    assert "none: every alpha on the grid passed" in text


def test_eval_summary_prints_both_judges_check_set_accuracy() -> None:
    report = _report()
    report.judge = {"check_set": {"accuracy": 0.9}, "style_judge": {"check_set": {"accuracy": 0.695}}}
    summary = eval_summary(report, [])
    assert summary.judge_accuracy == {"emotion": 0.9, "style": 0.695}
    assert "judges' check-set accuracy: emotion 0.90, style 0.69" in format_eval_summary(summary)
    assert eval_summary(_report(), []).judge_accuracy == {}  # a report without judges says nothing
