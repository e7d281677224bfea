"""Merchant restrictions over HTTP: list a merchant's holds and caps, release or confirm them.

A release or a confirmation needs a reason; both are sealed in the audit chain, recorded in the
merchant's review case and close it (release: legit; confirm: fraud). See docs/merchants.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict

from riskline.api.auth import require
from riskline.api.routes.cases import Why, reviewer_of
from riskline.api.strictjson import StrictJsonRoute
from riskline.cases import MerchantDesk, MerchantRecord
from riskline.errors import NotFound
from riskline.storage import ApiKey, Role

__all__ = ["record_to_dict", "router"]

router = APIRouter(tags=["merchants"], route_class=StrictJsonRoute)
_MERCHANT = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")
_REVIEWERS = require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)


class DecideIn(BaseModel):
    """Which restriction and why."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["hold_settlement", "cap_acceptance"] = "hold_settlement"
    why: Why


def _desk(request: Request) -> MerchantDesk:
    desk: MerchantDesk | None = request.app.state.runtime.merchants
    if desk is None:
        raise NotFound("merchant restrictions are not available in this deployment")
    return desk


def record_to_dict(r: MerchantRecord, now: Any) -> dict[str, Any]:
    """JSON view of one restriction (``state`` at ``now``: active, expired, released, confirmed)."""
    return {
        "id": r.id,
        "merchant_id": r.merchant_id,
        "kind": r.kind,
        "state": r.state(now),
        "reason_codes": list(r.reason_codes),
        "decision_id": r.decision_id,
        "since": r.since.isoformat(),
        "until": r.until.isoformat() if r.until else None,
        "cap": str(r.cap) if r.cap is not None else None,
        "case_id": r.case_id,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "why": r.why,
    }


def _listing(desk: MerchantDesk, records: Iterable[MerchantRecord]) -> dict[str, Any]:
    """The answer of every merchant route: restrictions as of the desk's clock."""
    now = desk.book.clock.now()
    return {"restrictions": [record_to_dict(r, now) for r in records]}


@router.get("/v1/merchants/restrictions", summary="The newest merchant restrictions")
def get_all(request: Request, key: ApiKey = Depends(_REVIEWERS)) -> dict[str, Any]:
    """Every merchant's holds and caps, newest first."""
    desk = _desk(request)
    return _listing(desk, desk.records())


@router.get("/v1/merchants/{merchant_id}/restrictions", summary="A merchant's holds and caps")
def get_restrictions(
    request: Request, merchant_id: str = _MERCHANT, key: ApiKey = Depends(_REVIEWERS)
) -> dict[str, Any]:
    """Newest first, with what analysts decided."""
    desk = _desk(request)
    return _listing(desk, desk.records(merchant_id))


@router.post("/v1/merchants/{merchant_id}/release", summary="Release a hold or cap")
def post_release(
    request: Request,
    body: DecideIn,
    merchant_id: str = _MERCHANT,
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """The next payout (or payment above the cap) goes through; audited."""
    desk = _desk(request)
    done = desk.release(merchant_id, body.kind, reviewer_of(key), body.why)
    return _listing(desk, done)


@router.post("/v1/merchants/{merchant_id}/confirm", summary="Confirm a hold or cap")
def post_confirm(
    request: Request,
    body: DecideIn,
    merchant_id: str = _MERCHANT,
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Kept until an analyst releases it (no expiry); audited."""
    desk = _desk(request)
    done = desk.confirm(merchant_id, body.kind, reviewer_of(key), body.why)
    return _listing(desk, done)
