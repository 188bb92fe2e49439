"""`emotive-agents train-vectors` and `make-splits`: lab commands, registered by the main CLI.

Heavy imports happen inside the commands, so `--help` stays fast and the runtime never loads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from emotive_agents.cli_options import QuietOpt, fail, parse_layers
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import EmotiveError
from emotive_agents.progress import ProgressBar, progress_enabled


def train_vectors_command(
    emotions: Annotated[str, typer.Option(help="Comma-separated emotions or styles of the corpus.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the vector set to.")],
    responses: Annotated[
        Path | None,
        typer.Option(help='Reply corpus, JSONL {"query", "emotion", "response"} (default: the shipped one).'),
    ] = None,
    model: Annotated[str, typer.Option("--model", "-m", help="Embedded name, HF id or directory.")] = (
        DEFAULT_MODEL
    ),
    layers: Annotated[str, typer.Option(help="Layer band the vector is added to.")] = "8-19",
    per_layer: Annotated[
        bool, typer.Option("--per-layer", help="One vector per layer instead of one for the band.")
    ] = False,
    hook_point: Annotated[str, typer.Option(help="block_contribution, residual or attn_output.")] = (
        "block_contribution"
    ),
    steps: Annotated[int, typer.Option(min=1, help="Adam steps per emotion (at most).")] = 60,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 8,
    neutral_batch_size: Annotated[int, typer.Option("--neutral-batch-size", min=0)] = 4,
    lr: Annotated[float, typer.Option(min=0.0)] = 0.02,
    kl_weight: Annotated[float, typer.Option("--kl-weight", min=0.0)] = 0.5,
    contrast_weight: Annotated[
        float,
        typer.Option("--contrast-weight", min=0.0, help="Weight of the contrast with the neutral reply."),
    ] = 0.0,
    contrast_beta: Annotated[float, typer.Option("--contrast-beta", min=0.0)] = 2.0,
    bidirectional: Annotated[
        bool,
        typer.Option("--bidirectional", help="BiPO: also train -v to favour the neutral reply."),
    ] = False,
    nll_weight: Annotated[
        float, typer.Option("--nll-weight", min=0.0, help="Weight of the emotional replies' NLL.")
    ] = 1.0,
    kl_skip: Annotated[
        int, typer.Option("--kl-skip", min=0, help="KL only after the first N tokens of each neutral reply.")
    ] = 0,
    max_response_tokens: Annotated[
        int, typer.Option("--max-response-tokens", min=0, help="Reply tokens to train on (0: all).")
    ] = 48,
    holdout: Annotated[float, typer.Option(min=0.0, max=0.9, help="Share of queries for early stopping.")] = (
        0.15
    ),
    eval_every: Annotated[int, typer.Option("--eval-every", min=1)] = 10,
    seed: Annotated[int, typer.Option()] = 0,
    quiet: QuietOpt = False,
) -> None:
    """Train one vector per emotion: likelihood of its replies after the neutral prompt, KL on neutral."""
    bar = ProgressBar("training", unit="step", enabled=progress_enabled(quiet=quiet))
    try:
        from emotive_agents.models.loading import load_model
        from emotive_agents.training.trainer import TrainConfig, train_vectors
        from emotive_agents.vectors.corpus import DEFAULT_REPLIES, load_replies
        from emotive_agents.vectors.store import save_vector_set

        config = TrainConfig(
            emotions=tuple(e.strip() for e in emotions.split(",") if e.strip()),
            layers=parse_layers(layers),
            shared=not per_layer,
            hook_point=hook_point,  # type: ignore[arg-type]  # pydantic validates the string
            steps=steps,
            batch_size=batch_size,
            neutral_batch_size=neutral_batch_size,
            lr=lr,
            kl_weight=kl_weight,
            contrast_weight=contrast_weight,
            contrast_beta=contrast_beta,
            bidirectional=bidirectional,
            nll_weight=nll_weight,
            kl_skip=kl_skip,
            max_response_tokens=max_response_tokens or None,
            holdout=holdout,
            eval_every=eval_every,
            seed=seed,
        )
        corpus = load_replies(responses or DEFAULT_REPLIES)
        corpus.require(["neutral", *config.emotions])  # fail before loading the model
        loaded = load_model(model)
        vector_set = train_vectors(loaded, corpus, config, on_progress=bar)
        path = save_vector_set(vector_set, out)
    except EmotiveError as exc:
        bar.close()
        fail(str(exc))
    except ValueError as exc:
        bar.close()
        fail(str(exc))
    bar.close()
    for emotion, report in vector_set.metadata.created["training"].items():
        typer.echo(
            f"{emotion:12s} steps {report['steps_run']:3d}  held-out loss {report['best_held_out']}  "
            f"{report['seconds']} s"
        )
    typer.echo(f"wrote {vector_set} to {path}")


def make_splits_command(
    queries: Annotated[Path, typer.Option(help="EmotionQuery+.json (400 queries in its block order).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for dev.json and test.json.")],
    seed: Annotated[int, typer.Option()] = 14,
) -> None:
    """Write the fixed dev (recipe search, calibration) and test (final table) query files."""
    try:
        from emotive_agents.evaluation.splits import make_splits
        from emotive_agents.vectors.queries import load_queries

        splits = make_splits(load_queries(queries), seed=seed)
    except (EmotiveError, ValueError) as exc:
        fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    for name, items in splits.items():
        payload = {"seed": seed, "queries": [q.model_dump(exclude_none=True) for q in items]}
        (out / f"{name}.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        typer.echo(f"wrote {len(items)} queries to {out / f'{name}.json'}")


def register(app: typer.Typer) -> None:
    app.command("train-vectors")(train_vectors_command)
    app.command("make-splits")(make_splits_command)
