"""`emotive-agents serve` and `emotive-agents bench-server`; heavy imports stay inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from emotive_agents.cli_options import QuietOpt
from emotive_agents.defaults import DEFAULT_MODEL
from emotive_agents.errors import EmotiveError
from emotive_agents.progress import ProgressBar, progress_enabled
from emotive_agents.server.security import is_loopback

if TYPE_CHECKING:
    from emotive_agents.server.settings import ServerSettings


def register(app: typer.Typer) -> None:
    """Add the server commands to the main CLI."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to bind (0.0.0.0 exposes it to the network).")] = (
            "127.0.0.1"
        ),
        port: Annotated[int, typer.Option(min=0, max=65535)] = 8000,
        model: Annotated[
            str, typer.Option("--model", "-m", help="Embedded 'smollm2-135m', an HF model id or a directory.")
        ] = DEFAULT_MODEL,
        vectors: Annotated[
            str | None, typer.Option(help="Vector set directory or shipped name (default: the model's).")
        ] = None,
        policy: Annotated[
            list[str] | None,
            typer.Option(
                help="Register a router policy (shipped name or YAML/JSON file; repeatable). The first "
                "is the default: requests without an `emotion` field are routed by it.",
            ),
        ] = None,
        policy_dir: Annotated[
            Path | None,
            typer.Option("--policy-dir", help="Register every *.yaml / *.yml / *.json policy in DIR."),
        ] = None,
        api_key: Annotated[
            str | None,
            typer.Option(
                "--api-key",
                envvar="EMOTIVE_AGENTS_API_KEY",
                show_envvar=True,
                help="Require `Authorization: Bearer KEY` on every API route (/health stays open).",
            ),
        ] = None,
        cors_origin: Annotated[
            list[str] | None,
            typer.Option(
                "--cors-origin", help="Allow browser calls from this origin (scheme://host:port or *)."
            ),
        ] = None,
        allowed_host: Annotated[
            list[str] | None,
            typer.Option("--allowed-host", help="Accept this Host name too (e.g. behind a proxy)."),
        ] = None,
        docs: Annotated[bool, typer.Option("--docs", help="Serve /docs and /openapi.json.")] = False,
        max_batch_size: Annotated[int, typer.Option("--max-batch-size", min=1)] = 16,
        max_queue: Annotated[int, typer.Option("--max-queue", min=0)] = 64,
        timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Per-request seconds.")] = 120.0,
        max_tokens_limit: Annotated[int, typer.Option("--max-tokens-limit", min=1)] = 512,
        dtype: Annotated[str, typer.Option(help="float32, float16, bfloat16 or auto.")] = "float32",
        device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1, mps...")] = "cpu",
        classifier: Annotated[str, typer.Option(help="Affect reader for `emotion: auto`.")] = "ensemble",
        monitor: Annotated[
            str, typer.Option(help="Default reply monitoring: read (reply_reading), retry or off.")
        ] = "read",
        reply_reader: Annotated[
            str, typer.Option("--reply-reader", help="Reader of replies: ensemble, minilm, exemplars, vader.")
        ] = "ensemble",
        ray: Annotated[bool, typer.Option("--ray", help="Serve N replicas with Ray Serve.")] = False,
        replicas: Annotated[int, typer.Option("--replicas", min=1, help="Ray replicas (with --ray).")] = 1,
        max_replicas: Annotated[
            int | None,
            typer.Option("--max-replicas", min=1, help="With --ray: autoscale between --replicas and this."),
        ] = None,
    ) -> None:
        """Run the OpenAI-compatible server (chat page at /, API at /v1) with continuous batching."""
        from pydantic import SecretStr

        from emotive_agents.server.settings import ServerSettings

        policies = list(policy or [])
        try:
            settings = ServerSettings(
                model=model,
                vectors=vectors,
                policy=policies[0] if policies else None,
                policies=tuple(policies[1:]),
                policy_dir=str(policy_dir) if policy_dir is not None else None,
                api_key=SecretStr(api_key) if api_key is not None else None,
                cors_origins=tuple(cors_origin or ()),
                allowed_hosts=tuple(allowed_host or ()),
                enable_docs=docs,
                host=host,
                port=port,
                dtype=dtype,
                device=device,
                max_batch_size=max_batch_size,
                max_queue=max_queue,
                request_timeout_s=timeout,
                max_tokens_limit=max_tokens_limit,
                router_classifier=classifier,
                monitor=monitor,  # type: ignore[arg-type]  # validated by ServerSettings
                reply_reader=reply_reader,
            )
        except ValueError as exc:
            raise typer.BadParameter(_first_error(exc)) from None
        _precheck_policies(settings)
        if not is_loopback(host) and settings.api_key is None:
            typer.echo(
                f"emotive-agents: warning: serving on {host} without --api-key; anyone who can reach "
                "this port can use the model",
                err=True,
            )
        if ray:
            from emotive_agents.server.ray import RayAutoscaling, run_ray

            autoscaling = (
                RayAutoscaling(min_replicas=replicas, max_replicas=max_replicas)
                if max_replicas is not None
                else None
            )
            run_ray(settings, replicas=replicas, autoscaling=autoscaling)
            return
        if max_replicas is not None:
            raise typer.BadParameter("--max-replicas needs --ray")
        import uvicorn

        from emotive_agents.server.app import create_app

        try:
            from emotive_agents.engine import EmotiveEngine

            engine = EmotiveEngine.load(model, vectors, dtype=dtype, device=device)
            application = create_app(settings, engine=engine)
        except EmotiveError as exc:
            _fail(str(exc))
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        typer.echo(
            f"emotive-agents: chat page http://{shown}:{port}/  API http://{shown}:{port}/v1", err=True
        )
        uvicorn.run(application, host=host, port=port, log_level="info")

    @app.command("bench-server")
    def bench_server(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the figures as one JSON object.")
        ] = False,
        clients: Annotated[int, typer.Option(min=1, max=8, help="Concurrent clients, one mix each.")] = 8,
        max_tokens: Annotated[int, typer.Option("--max-tokens", min=1)] = 48,
        model: Annotated[str, typer.Option("--model", "-m")] = DEFAULT_MODEL,
        quiet: QuietOpt = False,
    ) -> None:
        """Concurrent streaming clients with different mixes vs the same requests one after another."""
        from emotive_agents.server.bench import run_server_benchmark

        enabled = progress_enabled(quiet=quiet, as_json=as_json)
        with ProgressBar("bench-server", unit="request", enabled=enabled) as bar:
            report = run_server_benchmark(
                model=model, clients=clients, max_tokens=max_tokens, on_progress=bar
            )
        if as_json:
            typer.echo(json.dumps(report, indent=2))
        else:
            for key, value in report.items():
                typer.echo(f"{key:28s} {value}")


def _fail(message: str) -> NoReturn:
    """One clear line on stderr and exit status 2 (a bad flag, file or vector set; no traceback)."""
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    typer.echo(f"error: {first}", err=True)
    raise typer.Exit(2)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {str(first['msg']).removeprefix('Value error, ')}"
    return str(exc)


def _precheck_policies(settings: ServerSettings) -> None:
    """Fail on a missing or malformed policy before the model loads (emotions are checked after)."""
    sources = [*([settings.policy] if settings.policy else []), *settings.policies]
    if not sources and settings.policy_dir is None:
        return
    try:
        from emotive_agents.server.policies import PolicyRegistry

        PolicyRegistry.build(sources, policy_dir=settings.policy_dir)
    except ImportError as exc:
        _fail(f"--policy needs the affect router (the langchain extra): {exc}")
    except EmotiveError as exc:
        _fail(str(exc))
