"""Monitoring: per-check hits and precision, the decision mix, score drift, fired alerts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from riskline.errors import InvalidInput
from riskline.monitoring import OUTCOMES, AlertBook, AlertRules, Monitor, Series
from riskline.storage.tables import decisions
from riskline.ui.charts import Chart, hbar_chart, stacked_columns
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = ["router"]

router = APIRouter()
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))
_CHARTED_CHECKS = 6
"""Checks with a per-day chart (the most hit); the table lists them all."""


def _monitor(console: Any) -> Monitor:
    """A reading monitor over the console's runtime (``console`` is the app's ``Console``;
    importing it here would close an import cycle through the app)."""
    settings = console.runtime.settings
    db, clock = console.runtime.db, console.runtime.engine.clock
    path = settings.monitoring.alerts_path
    rules = AlertRules.from_file(path) if path is not None else AlertRules.default()
    return Monitor(db, clock, rules, AlertBook(db, clock), settings.model_dir)


def _as_of(console: Any, day: str | None) -> datetime | None:
    """The end of ``day`` (``newest``: the newest decision's time); None for now."""
    from sqlalchemy import func, select

    if day is None or day == "":
        return None
    if day == "newest":
        with console.runtime.db.connect() as conn:
            found: datetime | None = conn.execute(
                select(func.max(decisions.c.occurred_at))
            ).scalar()
        return found
    try:
        return datetime.combine(date.fromisoformat(day), time.max, UTC)
    except ValueError:
        raise InvalidInput(f"day: not a date (YYYY-MM-DD) or 'newest': {day!r}") from None


def _figures(request: Request, day: str | None) -> dict[str, Any]:
    console: Any = request.app.state.console
    figures: dict[str, Any] = console.figures.get(
        ("monitoring", day), lambda: _compute(console, day)
    )
    return figures


def _compute(console: Any, day: str | None) -> dict[str, Any]:
    monitor = _monitor(console)
    series = monitor.series(_as_of(console, day))
    labels = tuple(d.isoformat() for d in series.days)
    return {
        "series": series,
        "labels": labels,
        "rules": monitor.rules,
        "mix_chart": stacked_columns(labels, series.mix.counts, OUTCOMES),
        "mix_today": {o: series.mix.today_share(o) for o in OUTCOMES},
        "check_charts": [
            (c, stacked_columns(labels, {"review": c.hits}, ("review",)))
            for c in series.checks[:_CHARTED_CHECKS]
        ],
        "models": [(m, _psi_chart(series, i)) for i, m in enumerate(series.models)],
        "alerts": monitor.book.recent(50),
    }


def _psi_chart(series: Series, i: int) -> Chart:
    m = series.models[i]
    items = [
        (d.isoformat(), v, f"{d.isoformat()}: PSI {v:.3f} over {n} scores")
        for d, v, n in zip(series.days, m.psi, m.n, strict=True)
        if not math.isnan(v)
    ]
    return hbar_chart(items[-14:], cls="review")


@router.get("/monitoring")
async def monitoring(
    request: Request,
    day: str | None = Query(default=None, max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2}|newest)?$"),
    session: Session = _ANALYST,
) -> Response:
    """Series per check, decision mix, score drift (PSI) and the alerts fired."""
    figures = await run_in_threadpool(_figures, request, day)
    return render(request, "monitoring.html", {**figures, "day": day, "nav": "monitoring"})
