"""Case work over HTTP: notes, tags, evidence attachments, bulk actions, shifts.

Attachments are uploaded as ``multipart/form-data`` (field ``file``) and downloaded only as
attachments: ``Content-Disposition: attachment``, ``X-Content-Type-Options: nosniff`` and a
sandboxing Content-Security-Policy, with the content type sniffed at upload.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from riskline.api.auth import require
from riskline.api.routes.cases import Why, case_to_dict, reviewer_of
from riskline.api.strictjson import StrictJsonRoute
from riskline.cases import Attachment, CaseService, Clear, ConfirmFraud, Note
from riskline.errors import PayloadTooLarge
from riskline.storage import ApiKey, Role

__all__ = ["attachment_response", "attachment_to_dict", "note_to_dict", "router"]

router = APIRouter(tags=["case work"], route_class=StrictJsonRoute)
_ID = r"^[A-Za-z0-9_.:@-]+$"
_CASE = Path(min_length=1, max_length=40, pattern=_ID)
_REVIEWERS = require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)


class NoteIn(BaseModel):
    """A note's text."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class TagIn(BaseModel):
    """A tag (lower-case letters, digits, ``_``, ``-``)."""

    model_config = ConfigDict(extra="forbid")

    tag: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class BulkIn(BaseModel):
    """A bulk action on this case and its linked cases (all linked when ``cases`` is empty)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["confirm_fraud", "clear"]
    why: Why
    cases: list[Annotated[str, StringConstraints(pattern=_ID, max_length=40)]] = []
    close: bool = False
    blocklist: bool = True
    allowlist: bool = True


class AssignIn(BaseModel):
    """Which strategy to use (the case policy's when left out)."""

    model_config = ConfigDict(extra="forbid")

    strategy: Literal["least_loaded", "round_robin"] | None = None


def _service(request: Request) -> CaseService:
    service: CaseService = request.app.state.runtime.cases
    return service


def note_to_dict(n: Note) -> dict[str, Any]:
    """JSON view of a note."""
    return {"id": n.note_id, "author": n.author, "at": n.at.isoformat(), "text": n.text}


def attachment_to_dict(a: Attachment) -> dict[str, Any]:
    """JSON view of an attachment (never its stored name)."""
    return {
        "id": a.attachment_id,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by,
        "uploaded_at": a.uploaded_at.isoformat(),
    }


def attachment_response(att: Attachment, data: bytes, nosniff: bool = True) -> Response:
    """The file as a download that no browser renders inline (``nosniff`` False where a
    middleware sets ``X-Content-Type-Options`` on every response, as the console's does)."""
    headers = {
        "Content-Disposition": f'attachment; filename="{att.filename}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "no-store",
    }
    if nosniff:
        headers["X-Content-Type-Options"] = "nosniff"
    return Response(data, media_type=att.content_type, headers=headers)


@router.get("/v1/cases/{case_id}/work", summary="A case's notes, tags and attachments")
def get_work(
    request: Request, case_id: str = _CASE, key: ApiKey = Depends(_REVIEWERS)
) -> dict[str, Any]:
    """Everything analysts added to the case."""
    s = _service(request)
    s.get(case_id)
    return {
        "notes": [note_to_dict(n) for n in s.notes.notes(case_id)],
        "tags": s.notes.tags(case_id),
        "attachments": [attachment_to_dict(a) for a in s.attachments.list(case_id)],
    }


@router.post("/v1/cases/{case_id}/notes", summary="Add a note (append-only)")
def post_note(
    request: Request, body: NoteIn, case_id: str = _CASE, key: ApiKey = Depends(_REVIEWERS)
) -> dict[str, Any]:
    """Append a note; recorded in the case trail."""
    return note_to_dict(_service(request).notes.add_note(case_id, body.text, reviewer_of(key)))


@router.post("/v1/cases/{case_id}/tags", summary="Tag a case")
def post_tag(
    request: Request, body: TagIn, case_id: str = _CASE, key: ApiKey = Depends(_REVIEWERS)
) -> dict[str, Any]:
    """Add a tag; the case's tags."""
    return {"tags": _service(request).notes.add_tag(case_id, body.tag, reviewer_of(key))}


@router.delete("/v1/cases/{case_id}/tags/{tag}", summary="Remove a tag")
def delete_tag(
    request: Request,
    case_id: str = _CASE,
    tag: str = Path(min_length=1, max_length=40),
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Remove a tag; the case's tags."""
    return {"tags": _service(request).notes.remove_tag(case_id, tag, reviewer_of(key))}


@router.post("/v1/cases/{case_id}/attachments", summary="Attach an evidence file")
async def post_attachment(
    request: Request,
    file: Annotated[UploadFile, File()],
    case_id: str = _CASE,
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """png, jpeg, pdf, txt or csv, checked by content; 413 over the size limit."""
    s = _service(request)
    data = await file.read(s.attachments.max_bytes + 1)
    if len(data) > s.attachments.max_bytes:
        raise PayloadTooLarge(f"{file.filename}: over the limit of {s.attachments.max_bytes} bytes")
    att = s.attachments.add(case_id, file.filename or "file", data, reviewer_of(key))
    return attachment_to_dict(att)


@router.get("/v1/cases/{case_id}/attachments/{attachment_id}", summary="Download an attachment")
def get_attachment(
    request: Request,
    case_id: str = _CASE,
    attachment_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(_REVIEWERS),
) -> Response:
    """The file, as a download."""
    att, data = _service(request).attachments.read(case_id, attachment_id)
    return attachment_response(att, data)


@router.get("/v1/cases/{case_id}/linked", summary="Open cases linked to this one (its ring)")
def get_linked(
    request: Request, case_id: str = _CASE, key: ApiKey = Depends(_REVIEWERS)
) -> dict[str, Any]:
    """This case first, then the open cases sharing a party or a ring with it."""
    s = _service(request)
    now = s.clock.now()
    return {"cases": [case_to_dict(c, now) for c in s.bulk.linked(case_id)]}


@router.post("/v1/cases/{case_id}/bulk", summary="Confirm or clear a ring's cases together")
def post_bulk(
    request: Request, body: BulkIn, case_id: str = _CASE, key: ApiKey = Depends(_REVIEWERS)
) -> dict[str, Any]:
    """The single action on each case; with close or blocklist, one approval for the group."""
    s = _service(request)
    cmd: ConfirmFraud | Clear = (
        ConfirmFraud(body.why, close=body.close, blocklist=body.blocklist)
        if body.action == "confirm_fraud"
        else Clear(body.why, allowlist=body.allowlist)
    )
    done = s.act_bulk(case_id, list(body.cases), cmd, reviewer_of(key))
    now = s.clock.now()
    return {"cases": [case_to_dict(c, now) for c in done]}


@router.get("/v1/shifts", summary="Reviewers on shift")
def get_shifts(request: Request, key: ApiKey = Depends(_REVIEWERS)) -> dict[str, Any]:
    """Who auto-assignment gives cases to."""
    s = _service(request)
    return {"on_shift": s.assigner.on_shift(), "strategy": s.assigner.strategy}


@router.post("/v1/shifts/{reviewer}", summary="Start a shift")
def post_shift(
    request: Request,
    reviewer: str = Path(min_length=1, max_length=128, pattern=_ID),
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Yourself, or (supervisor, admin) anyone."""
    return {"on_shift": _service(request).assigner.start_shift(reviewer, reviewer_of(key))}


@router.delete("/v1/shifts/{reviewer}", summary="End a shift")
def delete_shift(
    request: Request,
    reviewer: str = Path(min_length=1, max_length=128, pattern=_ID),
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Their cases stay theirs."""
    return {"on_shift": _service(request).assigner.end_shift(reviewer, reviewer_of(key))}


@router.post("/v1/assignments", summary="Give unassigned open cases to reviewers on shift")
def post_assign(
    request: Request,
    body: AssignIn,
    key: ApiKey = Depends(require(Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Least loaded or round robin (the case policy's strategy by default)."""
    done = _service(request).assigner.assign_open(body.strategy)
    return {"assigned": [{"case_id": c, "assignee": r} for c, r in done]}
