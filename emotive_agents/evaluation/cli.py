"""`emotive-agents eval` and `emotive-agents calibrate`: the alpha sweep and intensity calibration.

Both show a progress bar on stderr while they run (see emotive_agents.progress) and end with a summary
on stdout (emotive_agents.evaluation.summary), or with one JSON object under `--json`. Heavy imports
stay inside the commands so `--help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emotive_agents.cli_options import (
    DtypeOpt,
    ModelOpt,
    QuietOpt,
    VectorsOpt,
    fail,
    parse_floats,
    parse_layers,
)
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import EmotiveError
from emotive_agents.progress import ProgressBar, progress_enabled

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object (the summary and the files written).")
]


def evaluate(
    queries: Annotated[
        Path, typer.Option(help="Query file, e.g. ../shared/data/emotionquery/EmotionQuery+.json.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for metrics.json, report.md and plots.")],
    alphas: Annotated[str, typer.Option(help="Comma-separated intensities; 0 is the unsteered baseline.")] = (
        "-1,0,1,2,4"
    ),
    limit: Annotated[int | None, typer.Option(min=1, help="Evenly spaced subset of N queries.")] = None,
    model: ModelOpt = DEFAULT_MODEL,
    vectors: VectorsOpt = None,
    emotions: Annotated[
        str, typer.Option(help="Comma-separated emotions to sweep.")
    ] = "anger,disgust,fear,joy,sadness",
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1)] = 48,
    prompting: Annotated[bool, typer.Option(help="Also run the prompting baseline.")] = True,
    prompt_placement: Annotated[
        str, typer.Option(help="Where the baseline asks for the emotion: system, user or both.")
    ] = "system",
    emotionquery_plus: Annotated[
        bool,
        typer.Option(
            "--emotionquery-plus",
            help="Label the queries with EmotionQuery+'s blocks (50 per emotion, then 150 neutral).",
        ),
    ] = False,
    positions: Annotated[
        str | None, typer.Option(help="Override the vectors' position rule: all, last or generated.")
    ] = None,
    layers: Annotated[
        str | None, typer.Option(help="Override the steered layers: a range 'FIRST-LAST' or a list '3,5,7'.")
    ] = None,
    repetition_penalty: Annotated[
        float, typer.Option("--repetition-penalty", min=0.01, help=">1 penalises repeated tokens.")
    ] = 1.0,
    no_repeat_ngram_size: Annotated[
        int, typer.Option("--no-repeat-ngram-size", min=0, help="Forbid repeating n-grams of this size.")
    ] = 0,
    prompt_steering: Annotated[
        str | None,
        typer.Option("--prompt-steering", help="Also prompt *and* steer, at these comma-separated alphas."),
    ] = None,
    steering: Annotated[
        bool, typer.Option(help="Run the steering conditions (--no-steering: baselines only).")
    ] = True,
    unsteered: Annotated[
        bool, typer.Option(help="Run the unsteered condition (--no-unsteered: ratios are left unset).")
    ] = True,
    dtype: DtypeOpt = "float32",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """The paper's alpha sweep: judged emotion, fluency and topic per emotion and intensity."""
    try:
        from emotive_agents.engine import EmotiveEngine
        from emotive_agents.evaluation.harness import EvalConfig, run_eval
        from emotive_agents.evaluation.judge import EmotionJudge, load_checkset, validate_judge
        from emotive_agents.evaluation.report import write_report
        from emotive_agents.evaluation.style_judge import StyleJudge
        from emotive_agents.evaluation.summary import eval_summary, format_eval_summary
        from emotive_agents.models.embeddings import default_embedder
        from emotive_agents.vectors.queries import (
            EMOTION_QUERY_PLUS_BLOCKS,
            label_blocks,
            load_prompts,
            load_queries,
        )
        from emotive_agents.vectors.recipe import SteeringRecipe

        config = EvalConfig(
            alphas=parse_floats(alphas, "--alphas"),
            emotions=tuple(e.strip() for e in emotions.split(",") if e.strip()),
            limit=limit,
            max_new_tokens=max_new_tokens,
            prompting_baseline=prompting,
            prompt_placement=prompt_placement,  # type: ignore[arg-type]
            repetition_penalty=repetition_penalty,
            no_repeat_ngram_size=no_repeat_ngram_size,
            prompt_steering_alphas=tuple(float(a) for a in (prompt_steering or "").split(",") if a.strip()),
            steering=steering,
            unsteered=unsteered,
        )
        query_list = load_queries(queries)
        if emotionquery_plus:
            query_list = label_blocks(query_list, EMOTION_QUERY_PLUS_BLOCKS)
        engine = EmotiveEngine.load(model, vectors, dtype=dtype)
        if positions is not None or layers is not None:
            override: dict[str, object] = {"layers": parse_layers(layers)} if layers is not None else {}
            if positions is not None:
                override["positions"] = positions
            recipe = SteeringRecipe.model_validate({**engine.recipe.model_dump(), **override})
            engine = EmotiveEngine(engine.loaded, engine.vector_set, recipe=recipe)
        judge = EmotionJudge()
        style_judge = StyleJudge()
        with ProgressBar("eval", enabled=progress_enabled(quiet=quiet, as_json=as_json)) as bar:
            report = run_eval(
                engine,
                query_list,
                judge,
                default_embedder(),
                config,
                prompts=load_prompts(),
                vectors_name=vectors or model,
                on_progress=bar,
                style_scorer=style_judge,
            )
        report.judge = {
            **judge.describe(),
            "check_set": validate_judge(judge, load_checkset().subset("holdout")),
            "style_judge": style_judge.describe(),
        }
        files = write_report(report, out)
    except EmotiveError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    summary = eval_summary(report, files)
    typer.echo(summary.model_dump_json() if as_json else format_eval_summary(summary))


def calibrate(
    out: Annotated[Path, typer.Option("--out", help="Directory for the calibrated vector set.")],
    vectors: VectorsOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    queries: Annotated[
        Path | None, typer.Option(help="Query file (default: the project's extraction queries, second half).")
    ] = None,
    emotions: Annotated[
        str | None, typer.Option(help="Comma-separated (default: every emotion but base).")
    ] = None,
    alphas: Annotated[str, typer.Option(help="Comma-separated alpha grid.")] = "0.5,1,1.5,2,3",
    limit: Annotated[int, typer.Option(min=1, help="Queries to measure on.")] = 24,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1)] = 40,
    judge: Annotated[
        bool, typer.Option("--judge", help="Also judge the sweep's emotion (the choice stays fluency-only).")
    ] = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Set each emotion's intensity 1.0 to the strongest alpha that stays fluent and on topic."""
    try:
        from emotive_agents.engine import EmotiveEngine
        from emotive_agents.evaluation.calibrate import CalibrationConfig
        from emotive_agents.evaluation.calibrate import calibrate as run_calibration
        from emotive_agents.evaluation.report import write_report
        from emotive_agents.evaluation.summary import calibration_summary, format_calibration_summary
        from emotive_agents.models.embeddings import default_embedder
        from emotive_agents.vectors.queries import DEFAULT_QUERIES, load_queries
        from emotive_agents.vectors.store import save_vector_set

        engine = EmotiveEngine.load(model, vectors)
        if engine.vector_set is None:
            fail(f"no vector set for {model!r}; pass --vectors")
        names = (
            [e.strip() for e in emotions.split(",")]
            if emotions
            else [e for e in engine.vector_set.emotions if e != "base"]
        )
        config = CalibrationConfig(
            emotions=tuple(names),
            alphas=parse_floats(alphas, "--alphas"),
            limit=limit,
            max_new_tokens=max_new_tokens,
        )
        query_list = load_queries(queries) if queries else load_queries(DEFAULT_QUERIES)
        if queries is None:  # extraction used the first half; measure on the held-out half
            query_list = query_list[len(query_list) // 2 :]
        scorer = None
        if judge:
            from emotive_agents.evaluation.judge import EmotionJudge

            scorer = EmotionJudge()
        with ProgressBar("calibrate", enabled=progress_enabled(quiet=quiet, as_json=as_json)) as bar:
            calibrated, report, choices = run_calibration(
                engine,
                query_list,
                default_embedder(),
                config,
                vectors_name=vectors or model,
                scorer=scorer,
                on_progress=bar,
            )
        path = save_vector_set(calibrated, out)
        files = write_report(report, path / "calibration")  # the fluency sweep behind the chosen scales
    except EmotiveError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    scales = {c.emotion: calibrated.metadata.scale(c.emotion) for c in choices}
    summary = calibration_summary(report, choices, scales, config, vectors=path, files=files)
    typer.echo(summary.model_dump_json() if as_json else format_calibration_summary(summary))


def register(app: typer.Typer) -> None:
    app.command(name="eval")(evaluate)
    app.command()(calibrate)


__all__ = ["calibrate", "evaluate", "register"]
