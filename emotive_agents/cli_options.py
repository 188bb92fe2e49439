"""Options and parsers shared by the CLI's commands, wherever they are defined (cli.py or beside a layer).

Torch-free and light, so any `register(app)` module may import it without slowing `--help`.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.mix_text import MixTextError, parse_mix_items

ModelOpt = Annotated[
    str,
    typer.Option("--model", "-m", help=f"Embedded {DEFAULT_MODEL!r}, an HF model id or a local directory."),
]
VectorsOpt = Annotated[
    str | None,
    typer.Option(
        "--vectors", help="Vector set directory or shipped name (default: the model's shipped set)."
    ),
]
EmotionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--emotion",
        "-e",
        help="NAME=INTENSITY, repeatable. 1.0 is the calibrated strong setting; negative suppresses.",
    ),
]
DtypeOpt = Annotated[
    str, typer.Option("--dtype", help="float32, float16, bfloat16 or auto (float32 on CPU).")
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No progress bar (it is also off under --json and when stderr is not a terminal).",
    ),
]


def parse_emotions(items: list[str] | None) -> dict[str, float]:
    """Turn ["joy=0.8", "fear=-0.4"] into a dict, with a clear error for malformed items."""
    try:
        return parse_mix_items(items or [])
    except MixTextError as exc:
        raise typer.BadParameter(str(exc)) from None


def parse_layers(text: str) -> tuple[int, ...]:
    """'6-23' or '3,5,7' to layer indices, with a clear error for anything else."""
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            return tuple(range(first, last + 1))
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected layers like 6-23 or 3,5,7") from None


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """'-1,0,1.5' to floats, with an error that names the option."""
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected comma-separated numbers for {what}") from None


def fail(message: str) -> NoReturn:
    """Print `error: ...` on stderr and exit with status 2 (bad input, missing file, wrong model)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
