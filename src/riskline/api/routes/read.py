"""Read routes: decisions and accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.credit import CreditLine, LineChange
from riskline.errors import NotFound
from riskline.storage import ApiKey, Role
from riskline.storage.serde import decision_to_dict

__all__ = ["line_to_dict", "router"]

router = APIRouter(tags=["read"], route_class=StrictJsonRoute)
_ID = r"^[A-Za-z0-9_.:@-]+$"


@router.get("/v1/decisions/{decision_id}", summary="One stored decision")
def get_decision(
    request: Request,
    decision_id: str = Path(min_length=1, max_length=128, pattern=_ID),
    key: ApiKey = Depends(require(Role.INGEST, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """A decision with its reasons, actions, scores and feature values."""
    return decision_to_dict(request.app.state.runtime.store.get_decision(decision_id))


@router.get("/v1/accounts/{account_id}", summary="An account's credit lines and recent decisions")
def get_account(
    request: Request,
    account_id: str = Path(min_length=1, max_length=128, pattern=_ID),
    key: ApiKey = Depends(require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Lines (with history) and the 50 most recent decisions about the account."""
    store = request.app.state.runtime.store
    lines = store.lines_for([account_id])
    decisions = store.decisions_for(account_id)
    try:
        account = store.account(account_id)
    except NotFound:
        if not lines and not decisions:
            raise
        account = {"account_id": account_id, "person_id": None, "opened_at": None}
    return {
        "account_id": account_id,
        "person_id": account["person_id"],
        "opened_at": account["opened_at"].isoformat() if account["opened_at"] else None,
        "lines": [line_to_dict(ln, store.line_history(ln.line_id)) for ln in lines],
        "decisions": [decision_to_dict(d) for d in decisions],
    }


def line_to_dict(line: CreditLine, history: list[LineChange] | None = None) -> dict[str, Any]:
    """JSON view of a line (and its history when given)."""
    out: dict[str, Any] = {
        "line_id": line.line_id,
        "owner_id": line.owner_id,
        "owner_kind": line.owner_kind,
        "product": line.product.value,
        "status": line.status.value,
        "limit": str(line.limit),
        "available": str(line.available),
        "outstanding": str(line.outstanding),
        "previous_limit": None if line.previous_limit is None else str(line.previous_limit),
        "frozen_until": line.frozen_until.isoformat() if line.frozen_until else None,
        "review_at": line.review_at.isoformat() if line.review_at else None,
        "version": line.version,
    }
    if history is not None:
        out["history"] = [
            {
                "action": c.action,
                "from": c.from_status.value,
                "to": c.to_status.value,
                "limit_before": str(c.limit_before),
                "limit_after": str(c.limit_after),
                "actor": str(c.actor),
                "reasons": list(c.reasons),
                "decision_id": c.decision_id,
                "at": c.at.isoformat(),
            }
            for c in history
        ]
    return out
