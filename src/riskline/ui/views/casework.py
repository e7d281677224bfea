"""The review queue, the case page, and case actions (each calls the CaseService)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riskline.cases import (
    CaseDetail,
    CaseService,
    CaseStatus,
    Clear,
    ConfirmFraud,
    Escalate,
    QueueFilter,
    RequestInfo,
)
from riskline.errors import NotFound
from riskline.ui.casebridge import reviewer
from riskline.ui.casesummary import case_summary
from riskline.ui.render import render
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole
from riskline.ui.views.casework_tools import case_work
from riskline.ui.views.casework_tools import router as tools
from riskline.ui.views.graph import rings_of

__all__ = ["router"]

router = APIRouter()
router.include_router(tools)  # notes, tags, evidence, bulk actions, merchant holds, shifts
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))
_SUPERVISOR = Depends(require_role(ConsoleRole.SUPERVISOR))
_CASE = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
Why = Annotated[str, Form(min_length=1, max_length=1000)]
AUDIT_PAGE = 50
"""Audit entries per page of the case page."""
SCOPES = ("open", "mine", "unassigned", "overdue", "pending", "closed")
_TAG = Query(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")


def _cases(request: Request) -> CaseService:
    cases: CaseService | None = request.app.state.console.cases
    if cases is None:
        raise NotFound("review cases are not available in this deployment")
    return cases


def _filter(scope: str, user: str) -> QueueFilter:
    match scope:
        case "mine":
            return QueueFilter(assignee=user)
        case "unassigned":
            return QueueFilter(unassigned=True)
        case "overdue":
            return QueueFilter(overdue_only=True)
        case "pending":
            return QueueFilter(statuses=(CaseStatus.PENDING_APPROVAL,))
        case "closed":
            return QueueFilter(statuses=(CaseStatus.CLOSED,))
    return QueueFilter()


async def _queue(
    request: Request, scope: str, session: Session, tag: str | None = None
) -> dict[str, Any]:
    service = _cases(request)
    flt = replace(_filter(scope, session.user.username), tag=tag.lower() if tag else None)
    cases = await run_in_threadpool(service.queue, flt)
    shifts = await run_in_threadpool(service.assigner.on_shift)
    now = service.clock.now()
    return {
        "cases": cases,
        "scope": scope,
        "scopes": SCOPES,
        "tag": flt.tag,
        "on_shift": shifts,
        "strategy": service.assigner.strategy,
        "now": now,
        "nav": "queue",
    }


@router.get("/queue")
async def queue_page(
    request: Request,
    scope: str = Query(default="open", pattern="^(" + "|".join(SCOPES) + ")$"),
    tag: str | None = _TAG,
    session: Session = _ANALYST,
) -> Response:
    """Cases to work, most urgent first (priority = exposure × risk), refreshed every 20 s;
    filtered by tag; who is on shift for auto-assignment."""
    return render(request, "queue.html", await _queue(request, scope, session, tag))


@router.get("/queue/rows")
async def queue_rows(
    request: Request,
    scope: str = Query(default="open", pattern="^(" + "|".join(SCOPES) + ")$"),
    tag: str | None = _TAG,
    session: Session = _ANALYST,
) -> Response:
    """Just the queue table (HTMX polling and filter changes)."""
    return render(request, "_queue_rows.html", await _queue(request, scope, session, tag))


def _case_context(request: Request, case_id: str, audit_page: int = 1) -> dict[str, Any]:
    console = request.app.state.console
    detail = _cases(request).detail(case_id)
    q = console.queries
    accounts = [m.id for m in detail.members if m.kind == "account"]
    persons = [m.id for m in detail.members if m.kind == "person"]
    others = [m.id for m in detail.members if m.kind not in ("account", "person")]
    for p in persons:
        accounts += [a["account_id"] for a in q.accounts_of(p) if a["account_id"] not in accounts]
    lines = q.lines_of([*accounts, *others])
    return {
        "detail": detail,
        "case": detail.case,
        "summary": case_summary(detail, lines, console.runtime.store),
        "audit": _audit_page(detail, audit_page),
        "lines": lines,
        "timeline": q.timeline([*accounts, *persons, *others]),
        "center": _centre(detail.case.ring_id is not None, accounts, persons, others),
        "users": [u.username for u in console.users.list() if u.disabled_at is None],
        "work": case_work(request, case_id, (detail.case.group_kind, detail.case.group_key)),
        "now": _cases(request).clock.now(),
        "nav": "queue",
    }


def _audit_page(detail: CaseDetail, page: int) -> dict[str, Any]:
    """One page of the audit trail, newest first."""
    entries = list(reversed(detail.events))
    pages = max(1, -(-len(entries) // AUDIT_PAGE))
    page = min(page, pages)
    rows = entries[(page - 1) * AUDIT_PAGE : page * AUDIT_PAGE]
    return {"rows": rows, "page": page, "pages": pages, "total": len(entries)}


def _centre(ring: bool, accounts: list[str], persons: list[str], others: list[str]) -> str | None:
    """Where the case graph starts: an account for a ring (its shared devices, cards and
    merchants are one hop away), else the person, else an account or enterprise."""
    order = (
        [("account", accounts), ("person", persons)]
        if ring
        else [("person", persons), ("account", accounts)]
    )
    for kind, ids in [*order, ("enterprise", others)]:
        if ids:
            return f"{kind}:{ids[0]}"
    return None


async def _members_rings(request: Request, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    members = [(m.kind, m.id) for m in ctx["detail"].members]
    return await rings_of(request, members)


@router.get("/cases/{case_id}")
async def case_page(
    request: Request,
    case_id: str = _CASE,
    audit: int = Query(default=1, ge=1, le=100_000),
    session: Session = _ANALYST,
) -> Response:
    """A case: first why it is here (top reasons with evidence, parties, money, line states,
    the ring), then the timeline and the graph, decisions with reasons and features, the
    actions the user's role allows, lines and history, the audit trail (paged, collapsed)."""
    ctx = await run_in_threadpool(_case_context, request, case_id, audit)
    ctx["rings"] = await _members_rings(request, ctx)
    ctx["audit_open"] = "audit" in request.query_params
    return render(request, "case.html", ctx)


async def _after(request: Request, case_id: str, message: str) -> Response:
    """The refreshed case body for HTMX, a redirect to the case page otherwise."""
    if request.headers.get("hx-request") == "true":
        ctx = await run_in_threadpool(_case_context, request, case_id)
        ctx["rings"] = await _members_rings(request, ctx)
        return render(request, "_case_body.html", {**ctx, "message": message})
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}/cases/{case_id}", status_code=303)


async def _run(request: Request, fn: Callable[[], Any]) -> None:
    """Run a case action off the event loop (it waits for the writer thread)."""
    await run_in_threadpool(fn)


@router.post("/cases/{case_id}/assign")
async def assign(
    request: Request,
    case_id: str = _CASE,
    assignee: Annotated[str | None, Form(max_length=64)] = None,
    session: Session = _ANALYST,
) -> Response:
    """Take the case (or, as a supervisor, give it to someone)."""
    by = reviewer(session.user)
    target = assignee or by.id
    await _run(request, lambda: _cases(request).assign(case_id, target, by))
    return await _after(request, case_id, f"assigned to {target}")


@router.post("/cases/{case_id}/confirm-fraud")
async def confirm_fraud(
    request: Request,
    why: Why,
    case_id: str = _CASE,
    close: Annotated[str | None, Form()] = None,
    blocklist: Annotated[str | None, Form()] = None,
    session: Session = _ANALYST,
) -> Response:
    """Freeze the parties' lines now; closing lines or blocklisting waits for a supervisor."""
    cmd = ConfirmFraud(why, close=close is not None, blocklist=blocklist is not None)
    by = reviewer(session.user)
    await _run(request, lambda: _cases(request).act(case_id, cmd, by))
    pending = cmd.close or cmd.blocklist
    return await _after(
        request,
        case_id,
        "fraud confirmed; lines frozen"
        + ("; waiting for a supervisor's approval" if pending else "; case closed"),
    )


@router.post("/cases/{case_id}/clear")
async def clear(
    request: Request,
    why: Why,
    case_id: str = _CASE,
    allowlist: Annotated[str | None, Form()] = None,
    session: Session = _ANALYST,
) -> Response:
    """Clear the case: reinstate lines, lift blocklistings, optionally allowlist."""
    cmd = Clear(why, allowlist=allowlist is not None)
    by = reviewer(session.user)
    await _run(request, lambda: _cases(request).act(case_id, cmd, by))
    return await _after(request, case_id, "case cleared; lines reinstated")


@router.post("/cases/{case_id}/request-info")
async def request_info(
    request: Request, why: Why, case_id: str = _CASE, session: Session = _ANALYST
) -> Response:
    """Ask the user for information (they get a notice); the case waits."""
    by = reviewer(session.user)
    await _run(request, lambda: _cases(request).act(case_id, RequestInfo(why), by))
    return await _after(request, case_id, "information requested")


@router.post("/cases/{case_id}/escalate")
async def escalate(
    request: Request, why: Why, case_id: str = _CASE, session: Session = _ANALYST
) -> Response:
    """Hand the case to a supervisor."""
    by = reviewer(session.user)
    await _run(request, lambda: _cases(request).act(case_id, Escalate(why), by))
    return await _after(request, case_id, "escalated")


@router.post("/cases/{case_id}/approve")
async def approve(
    request: Request,
    case_id: str = _CASE,
    why: Annotated[str, Form(max_length=1000)] = "",
    session: Session = _SUPERVISOR,
) -> Response:
    """Four eyes: carry out the pending close / blocklist (not by the reviewer who asked)."""
    by = reviewer(session.user)
    await _run(request, lambda: _cases(request).approve(case_id, by, why))
    return await _after(request, case_id, "approved; case closed as fraud")


@router.post("/cases/{case_id}/reject")
async def reject(
    request: Request, why: Why, case_id: str = _CASE, session: Session = _SUPERVISOR
) -> Response:
    """Four eyes: refuse the pending action; the case goes back to its reviewer."""
    by = reviewer(session.user)
    await _run(request, lambda: _cases(request).reject(case_id, by, why))
    return await _after(request, case_id, "rejected; the case is back with its reviewer")
