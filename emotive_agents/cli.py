"""The `emotive-agents` command line: generate steered text, extract vectors, benchmark."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from emotive_agents.cli_options import (
    DtypeOpt,
    EmotionOpt,
    ModelOpt,
    QuietOpt,
    VectorsOpt,
    fail,
    parse_emotions,
    parse_layers,
)
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import EmotiveError
from emotive_agents.progress import ProgressBar, progress_enabled

app = typer.Typer(
    help=(
        "Steer the emotional tone of a local LLM with Emotion Vectors.\n\n"
        "Example: emotive-agents generate 'How was your weekend?' --emotion joy=1"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _quiet_progress_bars() -> None:
    """The CLI owns its process, so it may silence transformers' per-load progress bars.

    An environment default rather than `transformers.utils.logging`: importing transformers here would
    cost every command (and every `--help`) about two seconds. transformers and huggingface_hub read
    it when they are first imported, later, by the commands that load a model.
    """
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


_fail = fail


def _read_prompts_file(path: Path, default_mix: dict[str, float]) -> list[tuple[str, dict[str, float]]]:
    rows: list[tuple[str, dict[str, float]]] = []
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            _fail(f"{path}:{number}: not valid JSON ({exc})")
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str):
            _fail(f'{path}:{number}: each line needs a "prompt" string')
        if not row["prompt"].strip():
            _fail(f'{path}:{number}: "prompt" is empty; there is nothing to answer')
        emotion = row.get("emotion", default_mix)
        if not isinstance(emotion, dict):
            _fail(f'{path}:{number}: "emotion" must be an object like {{"joy": 1.0}}')
        rows.append((row["prompt"], emotion))
    if not rows:
        _fail(f"{path} holds no prompts")
    return rows


def _result_json(result: Any) -> str:
    payload = result.model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False)


@app.command()
def generate(
    prompt: Annotated[str | None, typer.Argument(help="The user message to answer.")] = None,
    prompts_file: Annotated[
        Path | None,
        typer.Option("--prompts-file", help='JSONL: {"prompt": ..., "emotion": {...}} per line; one batch.'),
    ] = None,
    model: ModelOpt = DEFAULT_MODEL,
    vectors: VectorsOpt = None,
    emotion: EmotionOpt = None,
    system: Annotated[str | None, typer.Option(help="System prompt.")] = None,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", "-n", min=1)] = 96,
    temperature: Annotated[float, typer.Option(min=0.0, help="0 = greedy.")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Seed for sampling.")] = None,
    stop: Annotated[list[str] | None, typer.Option(help="Stop sequence, repeatable.")] = None,
    dtype: DtypeOpt = "float32",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one object per prompt).")] = False,
) -> None:
    """Generate a reply to PROMPT (or to every line of --prompts-file) with an emotion mix."""
    if (prompt is None) == (prompts_file is None):
        _fail("give either PROMPT or --prompts-file")
    if prompt is not None and not prompt.strip():
        _fail("PROMPT is empty; there is nothing to answer")
    mix = parse_emotions(emotion)
    try:
        from emotive_agents.engine import EmotiveEngine

        rows = _read_prompts_file(prompts_file, mix) if prompts_file else [(prompt or "", mix)]
        engine = EmotiveEngine.load(model, vectors, dtype=dtype)
        params = {"max_new_tokens": max_new_tokens, "temperature": temperature, "seed": seed, "stop": stop}
        head = [{"role": "system", "content": system}] if system else []
        requests = [
            engine.request([*head, {"role": "user", "content": text}], row_mix, **params)
            for text, row_mix in rows
        ]
        results = engine.generate_batch(requests)
    except EmotiveError as exc:
        _fail(str(exc))
    except ValueError as exc:  # pydantic validation of mixes and params
        _fail(str(exc))
    for result in results:
        typer.echo(_result_json(result) if as_json else result.text)


@app.command()
def extract(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the vector set to.")],
    queries: Annotated[
        Path | None,
        typer.Option(help="Query file: the project's format, EmotionQuery ({emotion: [..]}) or a JSON list."),
    ] = None,
    prompts: Annotated[
        Path | None, typer.Option(help='Prompt file: {"neutral": ..., "emotions": {name: prompt}}.')
    ] = None,
    model: ModelOpt = DEFAULT_MODEL,
    emotions: Annotated[
        str, typer.Option(help="Comma-separated emotions or styles that have a prompt in the prompt file.")
    ] = "anger,disgust,fear,joy,sadness",
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N queries.")] = None,
    hook_point: Annotated[
        str, typer.Option(help="attn_output, block_contribution or residual.")
    ] = "block_contribution",
    positions: Annotated[
        str, typer.Option(help="Recommended position rule: all, last or generated.")
    ] = "all",
    component: Annotated[
        str,
        typer.Option(
            help="raw, specific (EV minus its EV_base projection) or centred (EV minus the mean EV)."
        ),
    ] = "raw",
    placement: Annotated[
        str, typer.Option(help="Where the emotion is asked for: system, user (after the message) or both.")
    ] = "system",
    layers: Annotated[
        str | None, typer.Option(help="Layers to extract and steer: 'FIRST-LAST' or '3,5,7' (default: all).")
    ] = None,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1)] = 48,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 16,
    responses: Annotated[
        Path | None,
        typer.Option(
            help='Teacher-forced: a JSONL reply corpus {"query", "emotion", "response"}; no generation.'
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Extract Emotion Vectors: answers under emotional vs neutral prompts, mean activation shift.

    With --responses, the given replies are forced after each query's neutral prompt instead.
    """
    names = tuple(e.strip() for e in emotions.split(",") if e.strip())
    if responses is not None:
        settings = {"hook_point": hook_point, "positions": positions, "component": component}
        layer_list = parse_layers(layers) if layers is not None else None
        return _extract_teacher_forced(out, responses, model, names, settings, layer_list, batch_size)
    try:
        from emotive_agents.models.loading import load_model
        from emotive_agents.vectors.extract import ExtractionConfig, extract_vectors
        from emotive_agents.vectors.queries import (
            DEFAULT_PROMPTS,
            DEFAULT_QUERIES,
            load_prompts,
            load_queries,
        )
        from emotive_agents.vectors.store import save_vector_set

        config = ExtractionConfig(
            emotions=tuple(e.strip() for e in emotions.split(",") if e.strip()),
            hook_point=hook_point,  # type: ignore[arg-type]  # pydantic validates the string
            positions=positions,  # type: ignore[arg-type]
            component=component,  # type: ignore[arg-type]
            placement=placement,  # type: ignore[arg-type]
            layers=parse_layers(layers) if layers is not None else None,
            limit=limit,
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
        )
        query_list = load_queries(queries or DEFAULT_QUERIES)
        prompt_set = load_prompts(prompts or DEFAULT_PROMPTS)
        for emotion in (None, *config.emotions):  # fail before loading the model
            prompt_set.messages(emotion, "", config.placement)
        loaded = load_model(model)
        with ProgressBar("extract", enabled=progress_enabled(quiet=quiet)) as bar:
            vector_set = extract_vectors(loaded, query_list, prompt_set, config, on_progress=bar)
        path = save_vector_set(vector_set, out)
    except EmotiveError as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {vector_set} to {path}")


def _extract_teacher_forced(
    out: Path,
    responses: Path,
    model: str,
    emotions: tuple[str, ...],
    settings: dict[str, str],
    layers: tuple[int, ...] | None,
    batch_size: int,
) -> None:
    try:
        from emotive_agents.models.loading import load_model
        from emotive_agents.vectors.corpus import load_replies
        from emotive_agents.vectors.store import save_vector_set
        from emotive_agents.vectors.teacher_forced import TeacherForcedConfig, extract_from_replies

        config = TeacherForcedConfig.model_validate(
            {**settings, "emotions": emotions, "layers": layers, "batch_size": batch_size}
        )
        corpus = load_replies(responses)
        corpus.require(["neutral", *emotions])  # fail before loading the model
        vector_set = extract_from_replies(load_model(model), corpus, config)
        path = save_vector_set(vector_set, out)
    except EmotiveError as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {vector_set} to {path}")


@app.command("export-gguf")
def export_gguf_command(
    out: Annotated[Path, typer.Option("--out", help="The .gguf file to write.")],
    emotion: EmotionOpt = None,
    vectors: VectorsOpt = None,
    model: ModelOpt = DEFAULT_MODEL,
    drop_first_layer: Annotated[
        bool, typer.Option("--drop-first-layer", help="Drop layer 0, which llama.cpp cannot steer.")
    ] = False,
) -> None:
    """Write an emotion mix as a llama.cpp control vector (`llama-cli --control-vector FILE`)."""
    from emotive_agents.vectors.export import export_gguf
    from emotive_agents.vectors.store import SHIPPED_DEFAULTS, load_vector_set

    mix = parse_emotions(emotion)
    if not mix:
        _fail("give the mix to export, e.g. --emotion joy=1")
    source = vectors if vectors is not None else SHIPPED_DEFAULTS.get(model)
    if source is None:
        _fail(f"no shipped vector set for {model!r}; pass --vectors")
    try:
        vector_set = load_vector_set(source)
        path = export_gguf(vector_set, mix, out, drop_first_layer=drop_first_layer)
    except (EmotiveError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"wrote {path}")


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=4)] = 32,
    repeats: Annotated[int, typer.Option(min=1, help="Runs per configuration (median is kept).")] = 3,
    model: ModelOpt = DEFAULT_MODEL,
    extraction: Annotated[
        bool, typer.Option(help="Also time extraction, batched vs one query at a time (~2 min).")
    ] = True,
    quiet: QuietOpt = False,
) -> None:
    """Measure steering overhead, per-row mixing, start-up and extraction speed on the embedded model."""
    from emotive_agents.bench import run_benchmark

    try:
        with ProgressBar("bench", unit="run", enabled=progress_enabled(quiet=quiet, as_json=as_json)) as bar:
            report = run_benchmark(
                model=model,
                max_new_tokens=max_new_tokens,
                repeats=repeats,
                extraction=extraction,
                on_progress=bar,
            )
    except EmotiveError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            typer.echo(f"{key:32s} {value}")


# Commands of later layers live beside their code (router, bots, server): each module defines
# `register(app)` and keeps heavy imports inside its commands, so `--help` stays fast.
# --- registered subcommands (one line per module) ---
from emotive_agents.evaluation.cli import register as _register_evaluation  # noqa: E402

_register_evaluation(app)
from emotive_agents.info import register as _register_info  # noqa: E402

_register_info(app)
from emotive_agents.bots.cli import register as _register_bots  # noqa: E402

_register_bots(app)
from emotive_agents.router.cli import register as _register_route  # noqa: E402

_register_route(app)
from emotive_agents.server.cli import register as _register_server  # noqa: E402

_register_server(app)
from emotive_agents.training.cli import register as _register_training  # noqa: E402

_register_training(app)
# --- end of registered subcommands ---


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
