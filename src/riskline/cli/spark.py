"""``riskline spark``: batch jobs on Apache Spark (extra ``riskline[spark]``).

``--master local[2]`` runs in this process; ``--master spark://host:7077`` submits to a
standalone cluster (see docs/spark.md for spark-submit with the wheel, PYSPARK_PYTHON and
memory sizing).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from riskline.cli.base import app, console, handle_errors, load_settings, pii_hasher

__all__ = ["app", "spark_app"]

spark_app = typer.Typer(help="Batch jobs on Apache Spark (pip install 'riskline\\[spark]').")
app.add_typer(spark_app, name="spark")

Master = Annotated[str, typer.Option(help="Spark master: local[N] or spark://host:7077.")]
DriverMemory = Annotated[
    str, typer.Option(help="Driver JVM heap (in local mode it runs the tasks too).")
]


def _session(master: str, driver_memory: str = "2g") -> Any:
    from riskline.batch.session import spark_session

    return spark_session(master, driver_memory=driver_memory)


@spark_app.command("export")
def export(
    world: Annotated[Path, typer.Argument(help="World folder written by `riskline simulate`.")],
    out: Annotated[Path, typer.Argument(help="Folder for events.parquet and links.parquet.")],
) -> None:
    """Parse a world's events (identifiers hashed) into the event and link tables."""
    from riskline.batch.jobs import export_world
    from riskline.features import default_catalog

    with handle_errors():
        n, links = export_world(world, out, pii_hasher(load_settings()), default_catalog())
        console.print(
            f"{n} events -> {out / 'events.parquet'}, {links} links -> {out / 'links.parquet'}"
        )


@spark_app.command("backfill")
def backfill(
    events: Annotated[Path, typer.Argument(help="Event table (riskline spark export).")],
    out: Annotated[Path, typer.Argument(help="Output folder (Parquet).")],
    master: Master = "local[2]",
    driver_memory: DriverMemory = "2g",
    lateness_hours: Annotated[float, typer.Option(help="Allowed lateness, as online.")] = 24.0,
) -> None:
    """Point-in-time features of every event from the default catalog (online semantics)."""
    from riskline.batch.jobs import run_backfill
    from riskline.features import default_catalog

    with handle_errors():
        started = datetime.now(UTC)
        lateness = timedelta(hours=lateness_hours)
        session = _session(master, driver_memory)
        n = run_backfill(session, events, out, default_catalog(), lateness)
        seconds = (datetime.now(UTC) - started).total_seconds()
        console.print(f"{n} events backfilled -> {out} in {seconds:.1f} s")


@spark_app.command("rescore")
def rescore(
    events: Annotated[Path, typer.Argument(help="Event table.")],
    features: Annotated[Path, typer.Argument(help="Its backfill (riskline spark backfill).")],
    out: Annotated[Path, typer.Argument(help="Output folder (Parquet).")],
    master: Master = "local[2]",
    driver_memory: DriverMemory = "2g",
    lines: Annotated[Path | None, typer.Option(help="Parquet of owner_id, credit_limit.")] = None,
    write_db: Annotated[bool, typer.Option(help="Also load into rescoring_results.")] = False,
    run_id: Annotated[str | None, typer.Option(help="Run id (default: a timestamp).")] = None,
) -> None:
    """Every person's credit and fraud scores, band, limits and recommended line action."""
    from riskline.batch.jobs import run_rescore
    from riskline.batch.models import active_models, band_table
    from riskline.batch.writeback import write_results

    with handle_errors():
        settings = load_settings()
        at = datetime.now(UTC)
        models = active_models(settings.model_dir)
        n = run_rescore(
            _session(master, driver_memory),
            events,
            features,
            out,
            models,
            band_table(settings),
            lines,
        )
        console.print(f"{n} persons re-scored -> {out}")
        if write_db:
            rid = run_id or at.strftime("%Y%m%dT%H%M%SZ")
            written = write_results(settings.database_url, out, rid, at)
            console.print(f"{written} rows in rescoring_results (run {rid})")


@spark_app.command("components")
def components(
    links: Annotated[Path, typer.Argument(help="Link table (riskline spark export).")],
    out: Annotated[Path, typer.Argument(help="Output folder (Parquet).")],
    master: Master = "local[2]",
    driver_memory: DriverMemory = "2g",
    flag: Annotated[
        list[str] | None, typer.Option(help="Flagged node KIND:ID (repeat); adds risk.")
    ] = None,
) -> None:
    """Connected components of the link graph, and propagated risk from flagged nodes."""
    from riskline.batch.jobs import run_components
    from riskline.errors import InvalidInput

    with handle_errors():
        flags = []
        for item in flag or []:
            kind, sep, key = item.partition(":")
            if not sep or not kind or not key:
                raise InvalidInput(f"--flag takes KIND:ID, got {item!r}")
            flags.append((kind, key))
        nodes, comps = run_components(_session(master, driver_memory), links, out, flags)
        console.print(f"{nodes} nodes in {comps} components -> {out}")


@spark_app.command("bench")
def bench(
    master: Master = "local[2]",
    driver_memory: DriverMemory = "4g",
    persons: Annotated[int, typer.Option(help="Persons in the simulated world.")] = 2000,
    edges: Annotated[int, typer.Option(help="Links for the components benchmark.")] = 1_000_000,
) -> None:
    """Spark jobs beside the local jobs on the same data: events/s, persons/s, components."""
    from riskline.bench.batch import run

    with handle_errors():
        for line in run(_session(master, driver_memory), persons=persons, edges=edges):
            console.print(line)
