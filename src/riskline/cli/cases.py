"""``riskline cases ...``: export training labels, list the queue, run the projections once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings

__all__ = ["cases_app", "labels", "project", "queue"]

cases_app = typer.Typer(help="Review cases: queue, labels, projections.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")


def _service() -> Any:
    from riskline.cases import CaseService
    from riskline.clock import SystemClock
    from riskline.storage import SqlListStore, SqlStore, connect, upgrade

    db = connect(load_settings().database_url)
    upgrade(db)
    return CaseService(db, SqlStore(db), SqlListStore(db), SystemClock())


def _moment(value: str | None) -> datetime | None:
    from riskline.errors import InvalidInput

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--since: not an ISO-8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput("--since needs a timezone, e.g. 2026-03-01T00:00:00Z")
    return moment


@cases_app.command()
def labels(
    out: Annotated[Path, typer.Option(help="Write labels here (JSON lines)")],
    since: Annotated[
        str | None, typer.Option(help="Only labels given at or after this ISO-8601 time")
    ] = None,
) -> None:
    """Export training labels from decided cases, with event and label times."""
    with handle_errors():
        service = _service()
        n = service.export_labels(out, _moment(since))
        service.db.dispose()
    console.print(f"{n} labels written to {out}")


@cases_app.command()
def queue(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many cases")] = 20,
) -> None:
    """The most urgent open cases."""
    with handle_errors():
        service = _service()
        now = service.clock.now()
        table = Table("case", "status", "priority", "exposure", "due", "assignee")
        for c in service.queue():
            due = c.due_at.isoformat(timespec="minutes") + (" OVERDUE" if c.overdue(now) else "")
            table.add_row(
                c.case_id,
                c.status.value,
                f"{c.priority:.0f}",
                str(c.exposure),
                due,
                c.assignee or "-",
            )
            if table.row_count >= limit:
                break
        service.db.dispose()
    console.print(table)


@cases_app.command()
def project() -> None:
    """Bring cases and notices up to date with the ledger (without the ring lookup).

    The server does this after every commit; use it when events were loaded another way.
    """
    from riskline.cases import CaseFollower, CasePolicy
    from riskline.clock import SystemClock
    from riskline.notices import NoticeFollower
    from riskline.storage import connect, upgrade

    with handle_errors():
        db = connect(load_settings().database_url)
        upgrade(db)
        clock = SystemClock()
        linked = CaseFollower(db, CasePolicy.default(), clock).catch_up()
        written = NoticeFollower(db, clock).catch_up()
        db.dispose()
    console.print(f"{linked} decisions linked to cases, {written} notices written")
