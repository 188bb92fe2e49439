"""`emotive-agents chat`: talk to an example bot, play a scripted conversation, or write docs/bots.md.

Heavy imports (torch, transformers, the router's classifiers) happen inside the command, so
`emotive-agents --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from emotive_agents.bots.specs import BOTS
from emotive_agents.cli_options import fail as _fail
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import EmotiveError


def chat(
    file: Annotated[
        Path | None,
        typer.Argument(
            help='Script to play (with --script): one user turn per line, or JSONL {"user": ...}. '
            "Default: the bot's shipped demo script."
        ),
    ] = None,
    bot: Annotated[str | None, typer.Option("--bot", "-b", help=f"One of: {', '.join(BOTS)}.")] = None,
    script: Annotated[
        bool, typer.Option("--script", help="Play a scripted conversation (FILE or the shipped demo).")
    ] = False,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Router policy file (YAML/JSON) instead of the bot's.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Scripted mode: one JSON object per turn (user, reply, decision).")
    ] = False,
    side_by_side: Annotated[
        bool,
        typer.Option(
            "--side-by-side", help="Write the unsteered / prompt-only / routed comparison page (see --out)."
        ),
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="Output file for --side-by-side.")] = Path(
        "docs/bots.md"
    ),
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", "-n", min=1)] = 60,
    history_turns: Annotated[
        int,
        typer.Option(
            "--history-turns", min=0, help="Earlier exchanges the model sees (small models copy long ones)."
        ),
    ] = 1,
    temperature: Annotated[float, typer.Option(min=0.0, help="0 = greedy.")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Seed for sampling.")] = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="Embedded 'smollm2-135m', an HF id or a local directory.")
    ] = DEFAULT_MODEL,
    vectors: Annotated[
        str | None, typer.Option("--vectors", help="Vector set directory or shipped name.")
    ] = None,
) -> None:
    """`emotive-agents chat` (see HELP): interactive, scripted or the side-by-side page."""
    if bot is not None and bot not in BOTS:
        _fail(f"unknown bot {bot!r}; choose one of {', '.join(BOTS)}")
    if file is not None and not script:
        _fail(f"got {str(file)!r} without --script; play a file with --script FILE")
    if as_json and not script:
        _fail("--json needs --script (the interactive chat prints text)")
    try:
        if side_by_side:
            from emotive_agents.bots.side_by_side import write_page

            path = write_page(
                out,
                model=model,
                vectors=vectors,
                bots=[bot] if bot else tuple(BOTS),
                max_new_tokens=max_new_tokens,
                history_turns=history_turns,
            )
            typer.echo(f"wrote {path}")
            return
        if bot is None:
            _fail(f"choose a bot with --bot ({', '.join(BOTS)})")
        assert bot is not None
        from emotive_agents.bots.factory import make_session
        from emotive_agents.bots.runner import run_interactive, run_script
        from emotive_agents.bots.script import load_script

        lines = load_script(file or BOTS[bot].script_path()) if script else None
        if policy is not None:  # fail on a bad policy file before loading the model
            from emotive_agents.router import load_policy

            load_policy(policy)
        session = make_session(
            bot,
            policy=policy,
            model=model,
            vectors=vectors,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            seed=seed,
            history_turns=history_turns,
        )
        if lines is not None:
            run_script(session, lines, sys.stdout, as_json=as_json)
        else:
            run_interactive(session, sys.stdin, sys.stdout)
    except EmotiveError as exc:
        _fail(str(exc))
    except (ValueError, OSError) as exc:  # pydantic validation, unreadable policy files
        _fail(str(exc))


HELP = (
    "Chat with an example bot whose tone the affect router steers turn by turn.\n\n"
    "Interactive by default: /emotion joy=0.5 overrides the mix, /emotion auto hands it back to the "
    "router, /reset forgets the conversation, /quit ends.\n\n"
    "--script [FILE] plays a conversation (default: the bot's shipped demo) and prints the transcript "
    "with each decision; --json prints one object per turn instead.\n\n"
    "Example: emotive-agents chat --bot support --script --json"
)


def register(app: typer.Typer) -> None:
    """Add `chat` to the main CLI."""
    app.command(name="chat", help=HELP)(chat)
