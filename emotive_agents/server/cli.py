"""`emotive-agents serve` and `emotive-agents bench-server`; heavy imports stay inside the commands."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from emotive_agents.cli_options import QuietOpt
from emotive_agents.progress import ProgressBar, progress_enabled


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
        ] = "smollm2-135m",
        vectors: Annotated[
            str | None, typer.Option(help="Vector set directory or shipped name (default: the model's).")
        ] = None,
        policy: Annotated[
            str | None,
            typer.Option(help="Router policy; requests without an `emotion` field are then routed by it."),
        ] = None,
        max_batch_size: Annotated[int, typer.Option("--max-batch-size", min=1)] = 16,
        max_queue: Annotated[int, typer.Option("--max-queue", min=0)] = 64,
        timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Per-request seconds.")] = 120.0,
        max_tokens_limit: Annotated[int, typer.Option("--max-tokens-limit", min=1)] = 512,
        dtype: Annotated[str, typer.Option(help="float32, float16 or bfloat16.")] = "float32",
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
        from emotive_agents.server.settings import ServerSettings

        try:
            settings = ServerSettings(
                model=model,
                vectors=vectors,
                policy=policy,
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
            raise typer.BadParameter(str(exc)) from None
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

        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        typer.echo(
            f"emotive-agents: chat page http://{shown}:{port}/  API http://{shown}:{port}/v1", err=True
        )
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")

    @app.command("bench-server")
    def bench_server(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the figures as one JSON object.")
        ] = False,
        clients: Annotated[int, typer.Option(min=1, max=8, help="Concurrent clients, one mix each.")] = 8,
        max_tokens: Annotated[int, typer.Option("--max-tokens", min=1)] = 48,
        model: Annotated[str, typer.Option("--model", "-m")] = "smollm2-135m",
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
