"""``riskline`` commands of the stream package: worker, publish, stream init/status/bench,
webhooks."""

from __future__ import annotations

import json
import secrets
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import (
    app,
    console,
    err_console,
    handle_errors,
    load_settings,
    pii_hasher,
    progress,
)

__all__ = ["app", "publish", "stream_app", "webhooks_app", "worker"]

stream_app = typer.Typer(help="Stream mode on NATS JetStream.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook endpoints (signed deliveries).", no_args_is_help=True)
app.add_typer(stream_app, name="stream")
app.add_typer(webhooks_app, name="webhooks")

NatsUrl = Annotated[str, typer.Option("--nats-url", envvar="RISKLINE_NATS_URL", help="NATS server")]
Prefix = Annotated[
    str, typer.Option("--prefix", envvar="RISKLINE_STREAM_PREFIX", help="Stream name prefix")
]
_NATS = "nats://127.0.0.1:4222"


def _js(nats_url: str, prefix: str) -> Any:
    from riskline.stream import JetStream, StreamNames

    return JetStream(nats_url, StreamNames(prefix))


@stream_app.command("init")
def stream_init(
    nats_url: NatsUrl = _NATS,
    prefix: Prefix = "riskline",
    reset: Annotated[bool, typer.Option(help="Delete the streams first")] = False,
    replicas: Annotated[int, typer.Option(min=1, max=5, help="Stream replicas (cluster)")] = 1,
) -> None:
    """Migrate the database and create the events, decisions and dead-letter streams."""
    from riskline.storage import connect, current_revision, upgrade

    with handle_errors():
        engine = connect(load_settings().database_url)
        upgrade(engine)
        js = _js(nats_url, prefix)
        try:
            if reset:
                js.delete_streams()
            js.ensure_streams(replicas=replicas)
        finally:
            js.close()
    console.print(f"database at revision {current_revision(engine)}; streams {prefix} ready")


@stream_app.command("status")
def stream_status(nats_url: NatsUrl = _NATS, prefix: Prefix = "riskline") -> None:
    """Stream lengths and outbox rows by status."""
    from sqlalchemy import func, select

    from riskline.storage import connect
    from riskline.stream import outbox_table

    with handle_errors():
        js = _js(nats_url, prefix)
        try:
            n = js.names
            lengths = {
                s: js.last_seq(s) for s in (n.events_stream, n.decisions_stream, n.dlq_stream)
            }
        finally:
            js.close()
        db = connect(load_settings().database_url)
        with db.connect() as conn:
            q = select(outbox_table.c.status, func.count()).group_by(outbox_table.c.status)
            outbox = {s: int(c) for s, c in conn.execute(q)}
    console.print_json(json.dumps({"streams": lengths, "outbox": outbox}))


@app.command()
def worker(
    slot: Annotated[int, typer.Option(min=0, help="This worker's slot")] = 0,
    slots: Annotated[int, typer.Option(min=1, help="How many worker slots")] = 1,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Messages per batch")] = 256,
    observe: Annotated[
        str, typer.Option(help="all: exact features (default); own: partitioned, scales, inexact")
    ] = "all",
    nats_url: NatsUrl = _NATS,
    prefix: Prefix = "riskline",
) -> None:
    """Decide events from the events stream (one process per slot; SIGTERM stops it cleanly)."""
    from riskline.stream import StreamNames, start_worker

    with handle_errors():
        names = StreamNames(prefix)
        proc = start_worker(load_settings(), nats_url, names, slot, slots, batch, observe=observe)
    w = proc.worker
    signal.signal(signal.SIGTERM, lambda *_: w.stop.set())
    signal.signal(signal.SIGINT, lambda *_: w.stop.set())
    err_console.print(f"worker {w.consumer} ready at stream position {w.position}")
    try:
        w.run()
    finally:
        proc.close()
    err_console.print(f"worker {w.consumer} stopped: {w.stats}")


@app.command()
def publish(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help=".jsonl, .csv or .parquet")
    ],
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Messages per round trip")] = 500,
    nats_url: NatsUrl = _NATS,
    prefix: Prefix = "riskline",
) -> None:
    """Validate a history and send it into the events stream (bad lines are not sent)."""
    from riskline.stream import publish_file

    with handle_errors():
        hasher = pii_hasher(load_settings())
        js = _js(nats_url, prefix)
        try:
            js.ensure_streams()
            with progress(f"publish {file.name}") as advance:
                report = publish_file(file, js, hasher, batch, advance)
        finally:
            js.close()
    console.print(
        f"published {report.published}, already in the stream {report.repeated}, "
        f"rejected {len(report.errors)}; stream at {report.last_seq}"
    )
    for no, msg in report.errors[:20]:
        err_console.print(f"  line {no}: {msg}")
    if report.errors:
        raise typer.Exit(1)


@stream_app.command("bench")
def stream_bench(
    events: Annotated[int, typer.Option(min=100, help="Events for the throughput run")] = 5000,
    workers: Annotated[str, typer.Option(help="Worker counts to measure, e.g. 1,2")] = "1,2",
    rate: Annotated[float, typer.Option(help="Offered events/s for the latency run")] = 100.0,
    latency_events: Annotated[int, typer.Option(min=50, help="Events, latency run")] = 1000,
    observe: Annotated[str, typer.Option(help="Workers' mode: all (exact) or own")] = "all",
    nats_url: NatsUrl = _NATS,
    admin_url: Annotated[
        str, typer.Option(help="PostgreSQL URL allowed to CREATE DATABASE")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
) -> None:
    """Stream throughput and end-to-end latency with 1 and 2 workers, and in process."""
    from riskline.bench.stream import bench_stream

    with handle_errors():
        counts = [int(x) for x in workers.split(",") if x.strip()]
        result = bench_stream(
            events,
            counts,
            rate,
            latency_events,
            nats_url,
            admin_url,
            progress=err_console.print,
            observe=observe,
        )
    console.print_json(json.dumps(result))


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="https:// endpoint receiving POSTs")],
    topic: Annotated[
        list[str], typer.Option(help="decision.created | line.frozen | case.opened")
    ] = ["line.frozen"],  # noqa: B006
) -> None:
    """Register an endpoint; its signing secret is printed once."""
    from riskline.storage import connect, upgrade
    from riskline.stream import webhook_endpoints

    secret = secrets.token_urlsafe(32)
    endpoint = secrets.token_hex(8)
    with handle_errors():
        db = connect(load_settings().database_url)
        upgrade(db)
        with db.begin() as conn:
            conn.execute(
                webhook_endpoints.insert(),
                {
                    "endpoint_id": endpoint,
                    "url": url,
                    "secret": secret,
                    "topics": ",".join(topic),
                    "active": True,
                    "created_at": datetime.now(UTC),
                },
            )
    console.print(f"endpoint {endpoint} for {', '.join(topic)}; signing secret:")
    print(secret)


@webhooks_app.command("list")
def webhooks_list() -> None:
    """Endpoints (never their secrets)."""
    from sqlalchemy import select

    from riskline.storage import connect
    from riskline.stream import webhook_endpoints

    with handle_errors():
        db = connect(load_settings().database_url)
        with db.connect() as conn:
            rows = list(conn.execute(select(webhook_endpoints)).mappings())
    table = Table("endpoint", "url", "topics", "active")
    for r in rows:
        table.add_row(r["endpoint_id"], r["url"], r["topics"], str(r["active"]))
    console.print(table)
