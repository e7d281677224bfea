"""Decision, account and person pages, and the search box that leads to them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riskline.errors import NotFound
from riskline.ui.graphdata import ENTITY_KINDS
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = ["router"]

router = APIRouter()
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))
_ID = r"^[A-Za-z0-9_.:@-]+$"


def _decision(request: Request, decision_id: str) -> dict[str, Any]:
    console = request.app.state.console
    decision = console.runtime.store.get_decision(decision_id)
    return {"d": decision, "features": sorted(decision.features.items())}


@router.get("/decisions/{decision_id}")
async def decision_page(
    request: Request,
    decision_id: str = Path(min_length=1, max_length=128, pattern=_ID),
    session: Session = _ANALYST,
) -> Response:
    """One decision: outcome, reasons with evidence, actions, scores, every feature value."""
    ctx = await run_in_threadpool(_decision, request, decision_id)
    return render(request, "decision.html", {**ctx, "nav": "search"})


@router.get("/decisions/{decision_id}/details")
async def decision_details(
    request: Request,
    decision_id: str = Path(min_length=1, max_length=128, pattern=_ID),
    session: Session = _ANALYST,
) -> Response:
    """Reasons, actions, scores and features of a decision, as a fragment (HTMX loads it when
    a timeline or case row is opened, so long pages do not carry every feature table)."""
    ctx = await run_in_threadpool(_decision, request, decision_id)
    return render(request, "_decision_details.html", ctx)


def _account(request: Request, account_id: str) -> dict[str, Any]:
    q = request.app.state.console.queries
    account = q.account(account_id)
    lines = q.lines_of([account_id])
    timeline = q.timeline([account_id])
    if account is None and not lines and not timeline:
        raise NotFound(f"no account {account_id}")
    return {"account_id": account_id, "account": account, "lines": lines, "timeline": timeline}


@router.get("/accounts/{account_id}")
async def account_page(
    request: Request,
    account_id: str = Path(min_length=1, max_length=128, pattern=_ID),
    session: Session = _ANALYST,
) -> Response:
    """An account: its person, credit lines with history, event timeline with decisions."""
    ctx = await run_in_threadpool(_account, request, account_id)
    return render(request, "account.html", {**ctx, "nav": "search"})


def _person(request: Request, person_id: str) -> dict[str, Any]:
    q = request.app.state.console.queries
    accounts = q.accounts_of(person_id)
    ids = [a["account_id"] for a in accounts]
    timeline = q.timeline([*ids, person_id])
    if not accounts and not timeline:
        raise NotFound(f"no person {person_id}")
    return {
        "person_id": person_id,
        "accounts": accounts,
        "lines": q.lines_of(ids),
        "timeline": timeline,
    }


@router.get("/persons/{person_id}")
async def person_page(
    request: Request,
    person_id: str = Path(min_length=1, max_length=128, pattern=_ID),
    session: Session = _ANALYST,
) -> Response:
    """A person: accounts, every line with history, the merged timeline."""
    ctx = await run_in_threadpool(_person, request, person_id)
    return render(request, "person.html", {**ctx, "nav": "search"})


def _find(request: Request, q: str) -> str | None:
    console = request.app.state.console
    base = request.scope.get("root_path", "")
    safe = quote(q, safe="")
    if q.startswith("d_") and console.runtime.store.get_decisions([q]):
        return f"{base}/decisions/{safe}"
    if console.queries.account(q) is not None:
        return f"{base}/accounts/{safe}"
    if console.queries.accounts_of(q):
        return f"{base}/persons/{safe}"
    kind, sep, _ = q.partition(":")
    if sep and kind in ENTITY_KINDS:  # the kinds the graph page accepts
        return f"{base}/graph?entity={safe}"
    return None


@router.get("/search")
async def search(
    request: Request,
    q: str = Query(default="", max_length=200),
    session: Session = _ANALYST,
) -> Response:
    """Go to the decision, account, person or graph entity named ``q``."""
    q = q.strip()
    target = await run_in_threadpool(_find, request, q) if q else None
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "search.html", {"q": q, "nav": "search"}, status=404 if q else 200)
