"""``riskline bench``: every benchmark, each beside its baseline, as a table and JSON."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from riskline.cli.base import app, console, handle_errors

__all__ = ["bench"]

SUITES = ("engine", "http", "features", "graph", "sim")


def _engine(n: int) -> dict[str, Any]:
    from riskline.bench import bench_engine, sample_events

    return bench_engine(sample_events(n)[1])


def _http(n: int, workers: int = 2) -> dict[str, Any]:
    from riskline.bench import bench_http, sample_events

    return bench_http(sample_events(n)[0], workers=workers)


def _optional(module: str, call: str, **kwargs: Any) -> dict[str, Any]:
    fn = getattr(importlib.import_module(module), call)
    result: dict[str, Any] = fn(**kwargs)
    return result


RUNNERS: dict[str, Callable[[int], dict[str, Any]]] = {
    "engine": _engine,
    "http": _http,
    "features": lambda n: _optional(
        "riskline.bench.features", "run", n_events=max(n, 50_000), source="sim"
    ),
    "graph": lambda n: _optional("riskline.bench.graph", "run"),
    "sim": lambda n: _optional("riskline.bench.sim", "bench_simulator"),
}


@app.command()
def bench(
    only: Annotated[
        str, typer.Option(help=f"Comma-separated subset of {', '.join(SUITES)}")
    ] = "engine,http",
    events: Annotated[
        int, typer.Option(min=1000, max=2_000_000, help="Events for engine/http")
    ] = 20_000,
    output: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures here")
    ] = None,
    allow_errors: Annotated[
        bool,
        typer.Option(help="Keep http figures of a run where some requests were not answered 2xx"),
    ] = False,
    serve_workers: Annotated[
        int,
        typer.Option(min=2, max=64, help="http: the multi-process server's --workers N"),
    ] = 2,
) -> None:
    """Measure throughput and latency; print the figures (see docs/benchmarks.md).

    HTTP figures count answered (2xx) decisions only; a run with any other answer fails
    (exit 2) unless --allow-errors.
    """
    from riskline.bench import machine

    with handle_errors():
        chosen = [s.strip() for s in only.split(",") if s.strip()]
        unknown = sorted(set(chosen) - set(SUITES))
        if unknown:
            raise typer.BadParameter(f"unknown suites {unknown}; choose from {', '.join(SUITES)}")
        figures: dict[str, Any] = {"machine": machine()}
        for name in chosen:
            console.print(f"[bold]{name}[/bold] …")
            run = RUNNERS[name]
            figures[name] = _http(events, serve_workers) if name == "http" else run(events)
            console.print_json(json.dumps(figures[name], default=str))
        if output is not None:
            output.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        if "http" in figures and not allow_errors:
            from riskline.bench.http import refuse_errors

            refuse_errors(figures["http"])


@app.command()
def soak(
    minutes: Annotated[float, typer.Option(min=0.1, max=240, help="How long")] = 10.0,
    rate: Annotated[float, typer.Option(min=1, help="Events per second offered")] = 500.0,
    batch: Annotated[int, typer.Option(min=1, max=500, help="Events per request")] = 25,
    bound_mb: Annotated[float, typer.Option(help="Allowed RSS growth after warm-up")] = 64.0,
    world_events: Annotated[
        int, typer.Option(min=1000, help="Events in the world replayed in loops")
    ] = 60_000,
    stream_workers: Annotated[
        int, typer.Option(min=0, max=8, help="Soak stream mode with this many workers instead")
    ] = 0,
    output: Annotated[
        Path | None, typer.Option("--json", help="Also write the timeline here")
    ] = None,
) -> None:
    """Drive `riskline serve` (or `riskline worker`s) at a fixed rate; record rate, latency,
    errors and memory over time."""
    from riskline.bench.soak import soak as run_soak
    from riskline.bench.soak import soak_stream

    with handle_errors():
        if stream_workers:
            result = soak_stream(
                minutes=minutes,
                rate=rate,
                workers=stream_workers,
                bound_mb=bound_mb,
                world_events=world_events,
            )
            result["errors"] = result["dead_letters"] + result["published"] - result["decided"]
        else:
            result = run_soak(
                minutes=minutes,
                rate=rate,
                batch=batch,
                bound_mb=bound_mb,
                world_events=world_events,
            )
    summary = {k: v for k, v in result.items() if k != "samples"}
    console.print_json(json.dumps(summary))
    if output is not None:
        output.write_text(json.dumps(result, indent=2) + "\n")
    if not result["memory_flat"] or result["errors"]:
        raise typer.Exit(1)
