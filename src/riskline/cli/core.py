"""Core commands: serve, ingest, db upgrade, schema, keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskline.cli.base import (
    app,
    console,
    db_app,
    err_console,
    handle_errors,
    keys_app,
    load_settings,
    progress,
)
from riskline.errors import InvalidInput
from riskline.events.history import HistoryColumns, parse_time_origin

PAYMENTS_POLICY_PATH = Path(__file__).parent.parent / "decisioning" / "payments_policy.yaml"
"""The payment-only policy profile (``--policy payments``)."""

__all__ = ["db_upgrade", "ingest", "keys_create", "keys_list", "keys_revoke", "schema", "serve"]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes: 1 serves everything in one process; N >= 2 runs one writer "
            "(the only process that writes the database) and N - 1 HTTP fronts on the port",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API (and its docs at /docs)."""
    import uvicorn

    from riskline.api import create_app
    from riskline.runtime import build_runtime
    from riskline.stream.process import start_webhook_relay

    if workers > 1:
        from riskline.api.workers import serve_workers

        with handle_errors():
            settings = load_settings(host=host, port=port)
            serve_workers(settings.host, settings.port, workers)
        return
    with handle_errors():
        settings = load_settings(host=host, port=port)
        runtime = build_runtime(settings)
    relay = start_webhook_relay(runtime)  # signed webhooks from the transactional outbox
    try:
        uvicorn.run(
            create_app(runtime), host=settings.host, port=settings.port, log_level="warning"
        )
    finally:
        relay.close()
        runtime.close()


_HISTORY = "History columns (a payment history in your column names)"


@app.command()
def ingest(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help=".jsonl, .csv or .parquet")
    ],
    errors: Annotated[
        Path | None, typer.Option(help="Write the per-line error report here (JSONL)")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Events per commit")] = 256,
    policy: Annotated[
        str | None,
        typer.Option(
            help="Decision policy: 'default', 'payments' (card issuer / processor, no credit "
            "lines) or a YAML file; else RISKLINE_POLICY_PATH"
        ),
    ] = None,
    payer: Annotated[
        str | None, typer.Option(help="Payer column (card, account)", rich_help_panel=_HISTORY)
    ] = None,
    payee: Annotated[
        str | None,
        typer.Option(help="Payee column (terminal, merchant)", rich_help_panel=_HISTORY),
    ] = None,
    amount: Annotated[
        str | None, typer.Option(help="Amount column", rich_help_panel=_HISTORY)
    ] = None,
    time: Annotated[
        str | None,
        typer.Option(
            help="Time column (ISO date-time, or a number of --time-unit since 1970)",
            rich_help_panel=_HISTORY,
        ),
    ] = None,
    id_col: Annotated[
        str | None,
        typer.Option("--id", help="Event id column (else row-N)", rich_help_panel=_HISTORY),
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="Device column", rich_help_panel=_HISTORY)
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(help="Channel column (e.g. pos, ecommerce)", rich_help_panel=_HISTORY),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(help="Merchant category column (e.g. an MCC)", rich_help_panel=_HISTORY),
    ] = None,
    location: Annotated[
        str | None,
        typer.Option(help="Location column (city, region, country)", rich_help_panel=_HISTORY),
    ] = None,
    time_unit: Annotated[
        str, typer.Option(help="Unit of a numeric time: s, min, h, d", rich_help_panel=_HISTORY)
    ] = "s",
    time_origin: Annotated[
        str | None,
        typer.Option(
            help="Date a numeric time of 0 means (step counters), e.g. 2024-01-01",
            rich_help_panel=_HISTORY,
        ),
    ] = None,
) -> None:
    """Decide every event of a file; bad lines are reported and never half-applied.

    Rows are events (wire form), or with --payer --payee --amount --time a payment history in
    your own column names. Exit code 0: every line accepted (or already known); 3: some lines
    rejected, every other line decided (the summary line says how many); 2: usage error,
    nothing read.
    """
    from riskline.ingest import EXIT_SOME_REJECTED, ingest_file
    from riskline.runtime import build_runtime

    with handle_errors():
        labels = {"channel": channel, "category": category, "location": location}
        history = _history_columns(
            payer, payee, amount, time, id_col, device, time_unit, labels, time_origin
        )
        runtime = build_runtime(load_settings(policy_path=_policy_path(policy)))
        try:
            with progress(f"ingest {file.name}") as advance:
                report = ingest_file(
                    file, runtime.ingestor, runtime.hasher, batch, advance, history
                )
        finally:
            runtime.close()
    status = f" (exit code {EXIT_SOME_REJECTED})" if report.rejected else ""
    console.print(
        f"accepted {report.accepted}, replayed {report.replayed}, "
        f"rejected {report.rejected}{status}"
    )
    console.print("outcomes: " + json.dumps(report.outcomes, sort_keys=True))
    for no, msg in report.errors[:20]:
        err_console.print(f"  line {no}: {msg}")
    if errors is not None:
        errors.write_text(
            "".join(json.dumps({"line": n, "error": m}) + "\n" for n, m in report.errors)
        )
    if report.rejected:
        raise typer.Exit(EXIT_SOME_REJECTED)


def _policy_path(policy: str | None) -> Path | None:
    """The policy file of ``--policy`` (None: the setting decides)."""
    from riskline.decisioning.policy import DEFAULT_POLICY_PATH

    if policy is None:
        return None
    named = {"default": DEFAULT_POLICY_PATH, "payments": PAYMENTS_POLICY_PATH}
    if policy in named:
        return named[policy]
    path = Path(policy)
    if not path.is_file():
        raise InvalidInput(
            f"--policy {policy!r} is neither 'default', 'payments' nor a policy file"
        )
    return path


def _history_columns(
    payer: str | None,
    payee: str | None,
    amount: str | None,
    time: str | None,
    id_col: str | None,
    device: str | None,
    time_unit: str,
    labels: dict[str, str | None] | None = None,
    time_origin: str | None = None,
) -> HistoryColumns | None:
    """The history column mapping, or None when the file holds events (wire form).

    ``labels``: the optional ``channel``, ``category`` and ``location`` columns.
    """
    given = {"--payer": payer, "--payee": payee, "--amount": amount, "--time": time}
    labels = labels or {}
    optional = (id_col, device, time_origin, *labels.values())
    if not any(given.values()) and all(c is None for c in optional):
        return None
    missing = [k for k, v in given.items() if not v]
    if missing:
        raise InvalidInput(
            f"a payment history needs {', '.join(missing)} too (--payer --payee --amount --time)"
        )
    return HistoryColumns(
        payer=str(payer),
        payee=str(payee),
        amount=str(amount),
        time=str(time),
        event_id=id_col,
        device=device,
        channel=labels.get("channel"),
        category=labels.get("category"),
        location=labels.get("location"),
        time_unit=time_unit,
        time_origin=parse_time_origin(time_origin),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations to RISKLINE_DATABASE_URL."""
    from riskline.storage import connect, current_revision, upgrade

    with handle_errors():
        engine = connect(load_settings().database_url)
        upgrade(engine)
        console.print(f"database at revision {current_revision(engine)}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of every event type."""
    from riskline.events import event_json_schema

    console.print_json(json.dumps(event_json_schema()))


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key")],
    role: Annotated[str, typer.Option(help="ingest | analyst | supervisor | admin")] = "ingest",
) -> None:
    """Create an API key; the secret is printed once."""
    from riskline.storage import KeyStore, connect, upgrade

    with handle_errors():
        engine = connect(load_settings().database_url)
        upgrade(engine)
        key, token = KeyStore(engine).create(name, role)
    console.print(f"key {key.key_id} ({key.role.value}) for {key.name}:")
    print(token)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument()]) -> None:
    """Revoke an API key at once."""
    from riskline.storage import KeyStore, connect

    with handle_errors():
        KeyStore(connect(load_settings().database_url)).revoke(key_id)
    console.print(f"revoked {key_id}")


@keys_app.command("rotate")
def keys_rotate(
    key_id: Annotated[str, typer.Argument()],
    grace_hours: Annotated[float, typer.Option(min=0, help="Hours the old key keeps working")] = 24,
) -> None:
    """Issue a successor (same name and role); the old key stops after the grace period."""
    from datetime import timedelta

    from riskline.storage import KeyStore, connect

    with handle_errors():
        key, token = KeyStore(connect(load_settings().database_url)).rotate(
            key_id, grace=timedelta(hours=grace_hours)
        )
    console.print(f"key {key.key_id} ({key.role.value}) replaces {key_id}:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never their secrets)."""
    from riskline.storage import KeyStore, connect

    with handle_errors():
        keys = KeyStore(connect(load_settings().database_url)).list()
    table = Table("key_id", "name", "role", "created", "revoked")
    for k in keys:
        table.add_row(
            k.key_id, k.name, k.role.value, k.created_at.isoformat(), str(k.revoked_at or "")
        )
    console.print(table)
