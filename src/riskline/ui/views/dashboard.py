"""Dashboards: decisions by outcome over time, reason-code hit rates, scores, queue depth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from riskline.decisioning import Outcome
from riskline.ui.app import Console
from riskline.ui.charts import hbar_chart, histogram_chart, stacked_columns
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.stats import reason_hits, score_histograms
from riskline.ui.users import ConsoleRole

__all__ = ["router"]

router = APIRouter()
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))
OUTCOMES = tuple(o.value for o in Outcome)


def _outcomes(request: Request, days: int) -> dict[str, Any]:
    console: Console = request.app.state.console
    return console.figures.get(("outcomes", days), lambda: _compute_outcomes(request, days))


def _compute_outcomes(request: Request, days: int) -> dict[str, Any]:
    series = request.app.state.console.queries.outcome_series(days)
    totals = {o: sum(series.counts.get(o, ())) for o in OUTCOMES}
    return {
        "days": days,
        "as_of": datetime.now(UTC),
        "series": series,
        "totals": totals,
        "chart": stacked_columns(series.days, series.counts, OUTCOMES),
    }


def _sample_figures(request: Request) -> dict[str, Any]:
    console: Console = request.app.state.console
    return console.figures.get("sample", lambda: _compute_sample(request))


def _compute_sample(request: Request) -> dict[str, Any]:
    console = request.app.state.console
    sample = console.queries.decision_sample(console.settings.dashboard_sample)
    hits = reason_hits(sample)
    histograms = score_histograms(sample)
    return {
        "sample_size": len(sample),
        "hits": hits,
        "hits_chart": hbar_chart(
            [(h.code, h.share * 100, f"{h.code}: {h.count} decisions") for h in hits[:20]],
            cls="review",
            unit=" %",
        ),
        "histograms": [(h, histogram_chart(h.lo, h.hi, h.counts)) for h in histograms],
    }


@router.get("/dashboard")
async def dashboard(
    request: Request, days: int = Query(default=30, ge=1, le=366), session: Session = _ANALYST
) -> Response:
    """Every dashboard on one page."""
    outcomes = await run_in_threadpool(_outcomes, request, days)
    figures = await run_in_threadpool(_sample_figures, request)
    depth = await run_in_threadpool(_queue_depth, request)
    return render(
        request, "dashboard.html", {**outcomes, **figures, "depth": depth, "nav": "dashboard"}
    )


@router.get("/dashboard/outcomes")
async def outcomes_fragment(
    request: Request, days: int = Query(default=30, ge=1, le=366), session: Session = _ANALYST
) -> Response:
    """The outcomes chart for another window (HTMX swaps it in)."""
    outcomes = await run_in_threadpool(_outcomes, request, days)
    return render(request, "_outcomes.html", outcomes)


def _queue_depth(request: Request) -> Any:
    from riskline.ui.casebridge import queue_depth

    return queue_depth(request.app.state.console.cases)
