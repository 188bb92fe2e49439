"""Calibration of the trained emotion vectors with calibrate.choose_scales, on the 40 dev queries, from
runs split over processes (one per emotion and alpha) against one shared unsteered run.
usage: calib.py OUTDIR  -> OUTDIR/scales.json, scales-detail.json, report.md, metrics.json"""
import json, os, sys
from pathlib import Path
from emotive_agents.evaluation.calibrate import CalibrationConfig, choose_scales
from emotive_agents.evaluation.harness import EvalReport
from emotive_agents.evaluation.report import markdown
R = Path(os.environ.get("RUNS", "runs"))
EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness")
ALPHAS = (1.0, 1.5)
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
PREFIX = os.environ.get("PREFIX", "dev")
base = EvalReport.model_validate_json((R / f"{PREFIX}-unsteered/metrics.json").read_text())
results, samples = [base.results[0]], list(base.samples)
for e in EMOTIONS:  # runs named {PREFIX}-trained-{emotion}[-a{alpha}], any split of the grid
    for run in sorted(R.glob(f"{PREFIX}-trained-{e}*/metrics.json")):
        rep = EvalReport.model_validate_json(run.read_text())
        results += rep.results
        samples += rep.samples
b = results[0]
for m in results[1:]:  # the harness's ratio rule, against the shared unsteered run
    e = m.condition.emotion
    if m.target_probability is not None:
        m.target_probability_shift = m.target_probability - b.mean_probabilities.get(e, 0.0)
    m.distinct_2_ratio = m.distinct_2 / b.distinct_2
    m.perplexity_ratio = m.perplexity / b.perplexity
    m.topic_similarity_ratio = m.topic_similarity / b.topic_similarity
config = base.config.model_copy(update={"emotions": EMOTIONS, "alphas": ALPHAS, "unsteered": True})
report = EvalReport(model=base.model, vectors="trained (one set per emotion)", config=config,
                    queries=base.queries, judge=base.judge, results=results, samples=samples)
cc = CalibrationConfig(emotions=EMOTIONS, alphas=ALPHAS, limit=base.queries, max_new_tokens=base.config.max_new_tokens)
choices = choose_scales(report, cc)
scales = {c.emotion: c.scale if c.scale is not None else min(ALPHAS) / 2 for c in choices}
(out / "scales.json").write_text(json.dumps(scales) + "\n")
(out / "scales-detail.json").write_text(json.dumps({**cc.model_dump(mode="json"), "queries": base.queries,
    "split": "dev (make-splits, seed 14)", "results": [c.model_dump() for c in choices]}, indent=1) + "\n")
(out / "metrics.json").write_text(report.model_dump_json(indent=2) + "\n")
(out / "report.md").write_text(markdown(report))
for c in choices:
    print(c.emotion, scales[c.emotion], c.passed)
