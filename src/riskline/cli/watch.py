"""``riskline watch ...``: evaluate the monitoring alert rules (cron), list fired alerts.

(``riskline monitor MODEL FILE`` is the model lab's drift check of a file; this watches the
decisions the engine made.)
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings

__all__ = ["alerts", "run", "watch_app"]

watch_app = typer.Typer(
    help="Monitoring: per-check hits and precision, decision mix, score drift, alerts.",
    no_args_is_help=True,
)
app.add_typer(watch_app, name="watch")


def _as_of(value: str | None, db: Any) -> datetime | None:
    """``--at``: an ISO-8601 time with a timezone, ``newest`` (the newest decision) or now."""
    from sqlalchemy import func, select

    from riskline.errors import InvalidInput
    from riskline.storage.tables import decisions

    if value is None:
        return None
    if value == "newest":
        with db.connect() as conn:
            found: datetime | None = conn.execute(
                select(func.max(decisions.c.occurred_at))
            ).scalar()
        if found is None:
            raise InvalidInput("--at newest: the ledger has no decisions yet")
        return found
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--at: not an ISO-8601 time or 'newest': {value!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput("--at needs a timezone, e.g. 2026-03-01T12:00:00Z")
    return moment


@watch_app.command()
def run(
    at: Annotated[
        str | None,
        typer.Option(
            help="Watch the day of this ISO-8601 time, or 'newest' decision (default: now)"
        ),
    ] = None,
    deliver: Annotated[
        bool,
        typer.Option(
            help="Also deliver due webhooks now (a deployment without `riskline serve` or "
            "workers, whose relays deliver them)"
        ),
    ] = False,
) -> None:
    """Evaluate the alert rules once (for cron): store and publish new alerts; print JSON."""
    import time

    import httpx

    from riskline.api.periodic import build_monitor
    from riskline.clock import SystemClock
    from riskline.storage import connect, upgrade
    from riskline.stream import Relay, WebhookSender

    with handle_errors():
        settings = load_settings()
        db = connect(settings.database_url)
        upgrade(db)
        clock = SystemClock()
        monitor = build_monitor(settings, db, clock)
        report = monitor.run_once(_as_of(at, db))
        delivered = 0
        if deliver and report.fired:
            with httpx.Client(timeout=5.0) as client:
                relay = Relay(db, clock, None, lambda _: "", WebhookSender(client, time.time))
                delivered = relay.run_once()
        db.dispose()
    s = report.series
    out = {
        "day": s.days[-1].isoformat(),
        "decisions_today": s.mix.totals[-1],
        "checks": {c.code: {"hits_today": c.today, "precision": c.precision} for c in s.checks},
        "psi": {m.score: None if m.psi_today != m.psi_today else m.psi_today for m in s.models},
        "alerts": [a.alert_id for a in report.alerts],
        "fired": [a.alert_id for a in report.fired],
        "webhooks_tried": delivered,
    }
    print(json.dumps(out, sort_keys=True))


@watch_app.command()
def alerts(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first")] = 50,
) -> None:
    """Fired alerts, newest first."""
    from riskline.clock import SystemClock
    from riskline.monitoring import AlertBook
    from riskline.storage import connect, upgrade

    with handle_errors():
        db = connect(load_settings().database_url)
        upgrade(db)
        rows = AlertBook(db, SystemClock()).recent(limit)
        db.dispose()
    table = Table("fired at", "rule", "subject", "day", "value", "threshold", "message")
    for r in rows:
        table.add_row(
            r["fired_at"].strftime("%Y-%m-%d %H:%M"),
            r["rule"],
            r["subject"],
            r["period"],
            f"{r['value']:.4g}",
            f"{r['threshold']:.4g}",
            r["message"],
        )
    console.print(table)
