"""Case work in the console: notes, tags, evidence files, bulk actions on a ring's cases,
merchant holds, shifts and auto-assignment (mounted by :mod:`riskline.ui.views.casework`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riskline.api.routes.casework import attachment_response
from riskline.cases import CaseService, Clear, ConfirmFraud, MerchantDesk
from riskline.errors import NotFound, PayloadTooLarge
from riskline.ui.casebridge import reviewer
from riskline.ui.security import require_role
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = ["case_work", "router"]

router = APIRouter()
_ANALYST = Depends(require_role(ConsoleRole.ANALYST))
_SUPERVISOR = Depends(require_role(ConsoleRole.SUPERVISOR))
_CASE = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
Why = Annotated[str, Form(min_length=1, max_length=1000)]


def _cases(request: Request) -> CaseService:
    cases: CaseService | None = request.app.state.console.cases
    if cases is None:
        raise NotFound("review cases are not available in this deployment")
    return cases


def _desk(request: Request) -> MerchantDesk | None:
    desk: MerchantDesk | None = getattr(request.app.state.console.runtime, "merchants", None)
    return desk


def case_work(request: Request, case_id: str, group: tuple[str, str]) -> dict[str, Any]:
    """Notes, tags, attachments, linked cases and (merchant cases) restrictions of a case."""
    s = _cases(request)
    desk = _desk(request)
    merchant = group[1] if group[0] == "merchant" and desk is not None else None
    return {
        "notes": s.notes.notes(case_id),
        "tags": s.notes.tags(case_id),
        "attachments": s.attachments.list(case_id),
        "linked": s.bulk.linked(case_id)[1:],
        "restrictions": desk.records(merchant) if desk is not None and merchant else [],
    }


async def _back(request: Request, case_id: str, message: str) -> Response:
    """Back to the case page (its audit trail shows what was done: ``message``)."""
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}/cases/{case_id}#work", status_code=303)


async def _run(fn: Callable[[], Any]) -> Any:
    return await run_in_threadpool(fn)


@router.post("/cases/{case_id}/notes")
async def add_note(
    request: Request,
    text: Annotated[str, Form(min_length=1, max_length=5000)],
    case_id: str = _CASE,
    session: Session = _ANALYST,
) -> Response:
    """Append a note (notes are never edited or deleted)."""
    by = reviewer(session.user)
    await _run(lambda: _cases(request).notes.add_note(case_id, text, by))
    return await _back(request, case_id, "note added")


@router.post("/cases/{case_id}/tags")
async def add_tag(
    request: Request,
    tag: Annotated[str, Form(min_length=1, max_length=40)],
    case_id: str = _CASE,
    session: Session = _ANALYST,
) -> Response:
    """Tag the case."""
    by = reviewer(session.user)
    await _run(lambda: _cases(request).notes.add_tag(case_id, tag, by))
    return await _back(request, case_id, f"tagged {tag.strip().lower()}")


@router.post("/cases/{case_id}/tags/{tag}/remove")
async def remove_tag(
    request: Request,
    case_id: str = _CASE,
    tag: str = Path(min_length=1, max_length=40),
    session: Session = _ANALYST,
) -> Response:
    """Take a tag off the case."""
    by = reviewer(session.user)
    await _run(lambda: _cases(request).notes.remove_tag(case_id, tag, by))
    return await _back(request, case_id, f"tag {tag} removed")


@router.post("/cases/{case_id}/attachments")
async def add_attachment(
    request: Request,
    file: Annotated[UploadFile, File()],
    case_id: str = _CASE,
    session: Session = _ANALYST,
) -> Response:
    """Attach an evidence file (png, jpeg, pdf, txt, csv; checked by content)."""
    store = _cases(request).attachments
    data = await file.read(store.max_bytes + 1)
    if len(data) > store.max_bytes:
        raise PayloadTooLarge(f"{file.filename}: over the limit of {store.max_bytes} bytes")
    by = reviewer(session.user)
    att = await _run(lambda: store.add(case_id, file.filename or "file", data, by))
    return await _back(request, case_id, f"attached {att.filename}")


@router.get("/cases/{case_id}/attachments/{attachment_id}")
async def get_attachment(
    request: Request,
    case_id: str = _CASE,
    attachment_id: str = Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$"),
    session: Session = _ANALYST,
) -> Response:
    """The file as a download (never shown inline)."""
    att, data = await _run(lambda: _cases(request).attachments.read(case_id, attachment_id))
    return attachment_response(att, data, nosniff=False)  # SecurityHeaders adds nosniff


@router.post("/cases/{case_id}/bulk")
async def bulk(
    request: Request,
    why: Why,
    case_id: str = _CASE,
    action: Annotated[str, Form(pattern="^(confirm_fraud|clear)$")] = "clear",
    cases: Annotated[list[str] | None, Form()] = None,
    close: Annotated[str | None, Form()] = None,
    blocklist: Annotated[str | None, Form()] = None,
    session: Session = _ANALYST,
) -> Response:
    """Confirm or clear this case and the ticked linked cases together."""
    cmd: ConfirmFraud | Clear = (
        ConfirmFraud(why, close=close is not None, blocklist=blocklist is not None)
        if action == "confirm_fraud"
        else Clear(why, allowlist=False)
    )
    by = reviewer(session.user)
    done = await _run(lambda: _cases(request).act_bulk(case_id, list(cases or []), cmd, by))
    waiting = sum(1 for c in done if c.pending is not None)
    tail = f"; {waiting} waiting for one supervisor's approval" if waiting else ""
    return await _back(request, case_id, f"{action} on {len(done)} cases{tail}")


async def _merchant(request: Request, case_id: str, kind: str, why: str, confirm: bool) -> Response:
    desk = _desk(request)
    if desk is None:
        raise NotFound("merchant restrictions are not available in this deployment")
    case = await _run(lambda: _cases(request).get(case_id))
    by = reviewer(request.state.session.user)
    fn = desk.confirm if confirm else desk.release
    await _run(lambda: fn(case.group_key, kind, by, why))
    return await _back(request, case_id, f"{kind} {'confirmed' if confirm else 'released'}")


@router.post("/cases/{case_id}/merchant-release")
async def merchant_release(
    request: Request,
    why: Why,
    case_id: str = _CASE,
    kind: Annotated[str, Form(pattern="^(hold_settlement|cap_acceptance)$")] = "hold_settlement",
    session: Session = _ANALYST,
) -> Response:
    """Release the merchant's hold or cap (audited; the next payout goes through)."""
    return await _merchant(request, case_id, kind, why, confirm=False)


@router.post("/cases/{case_id}/merchant-confirm")
async def merchant_confirm(
    request: Request,
    why: Why,
    case_id: str = _CASE,
    kind: Annotated[str, Form(pattern="^(hold_settlement|cap_acceptance)$")] = "hold_settlement",
    session: Session = _ANALYST,
) -> Response:
    """Keep the merchant's hold or cap until released (audited)."""
    return await _merchant(request, case_id, kind, why, confirm=True)


@router.post("/queue/shift")
async def shift(
    request: Request,
    on: Annotated[str, Form(pattern="^(start|end)$")] = "start",
    session: Session = _ANALYST,
) -> Response:
    """Start or end your own shift (auto-assignment gives cases to analysts on shift)."""
    by = reviewer(session.user)
    a = _cases(request).assigner
    await _run(lambda: (a.start_shift if on == "start" else a.end_shift)(by.id, by))
    return RedirectResponse(f"{request.scope.get('root_path', '')}/queue", status_code=303)


@router.post("/queue/auto-assign")
async def auto_assign(request: Request, session: Session = _SUPERVISOR) -> Response:
    """Give the unassigned open cases to the analysts on shift now."""
    await _run(lambda: _cases(request).assigner.assign_open())
    return RedirectResponse(f"{request.scope.get('root_path', '')}/queue", status_code=303)
