"""User notices over HTTP: a user's notices in zh-CN or en, appeals, disclosure, education.

The lender's app backend calls these on the user's behalf with an ``ingest`` key; analysts
and admins may read them too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.notices import NoticeService, RenderedNotice
from riskline.storage import ApiKey, Role

__all__ = ["router"]

router = APIRouter(tags=["notices"], route_class=StrictJsonRoute)
_ID = r"^[A-Za-z0-9_.:@-]+$"
Lang = Literal["zh-CN", "en"]
_ANY = require(Role.INGEST, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)


class AppealIn(BaseModel):
    """The user's appeal: whose account, and what they want to tell us."""

    model_config = ConfigDict(extra="forbid")

    account_id: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_ID)]
    message: Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]


def _service(request: Request) -> NoticeService:
    service: NoticeService = request.app.state.runtime.notices
    return service


def _view(r: RenderedNotice) -> dict[str, Any]:
    n = r.notice
    return {
        "notice_id": n.notice_id,
        "kind": n.kind.value,
        "account_id": n.account_id,
        "person_id": n.person_id,
        "at": n.at.isoformat(),
        "language": r.language,
        "title": r.title,
        "what_happened": r.what_happened,
        "why": list(r.why),
        "what_you_can_do": r.what_you_can_do,
        "how_to_appeal": r.how_to_appeal,
        "appealable": n.appealable,
        "details": n.params,
        "case_id": n.case_id,
    }


@router.get("/v1/notices", summary="A user's notices, newest first")
def get_notices(
    request: Request,
    account_id: Annotated[str | None, Query(max_length=128, pattern=_ID)] = None,
    person_id: Annotated[str | None, Query(max_length=128, pattern=_ID)] = None,
    lang: Lang = "zh-CN",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    key: ApiKey = Depends(_ANY),
) -> dict[str, Any]:
    """By account (or enterprise) id or by person id; text in the chosen language."""
    found = _service(request).rendered_for(
        lang, account_id=account_id, person_id=person_id, limit=limit
    )
    return {"language": lang, "notices": [_view(r) for r in found]}


@router.post("/v1/notices/{notice_id}/appeal", summary="Appeal the action a notice reports")
def post_appeal(
    request: Request,
    body: AppealIn,
    notice_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(_ANY),
) -> dict[str, Any]:
    """Opens or joins a review case; the user gets a notice now and when it is decided."""
    receipt = _service(request).appeal(notice_id, body.account_id, body.message)
    # the user's side sees the case reference and its state, never its risk or priority
    return {
        "appeal_id": receipt.appeal_id,
        "created": receipt.created,
        "case_id": receipt.case.case_id,
        "status": receipt.case.status.value,
    }


@router.get("/v1/notices/disclosure", summary="The disclosure shown at application time")
def get_disclosure(
    request: Request, lang: Lang = "zh-CN", key: ApiKey = Depends(_ANY)
) -> dict[str, Any]:
    """How applications and credit use are assessed, and the user's rights."""
    return {"language": lang, **_service(request).disclosure(lang)}


@router.get("/v1/notices/education", summary="Risk education texts")
def get_education(
    request: Request, lang: Lang = "zh-CN", key: ApiKey = Depends(_ANY)
) -> dict[str, Any]:
    """Why cash-out and fake transactions are prohibited and what they cost the user."""
    return {"language": lang, "topics": _service(request).education(lang)}
