"""Review cases over HTTP: queue, case page, assign, act, four-eyes approval, label export.

Four eyes: blocklisting and closing wait for a second reviewer with the supervisor role.
API keys have no supervisor role yet, so an ``admin`` key approves (see docs/cases.md).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.cases import (
    Case,
    CaseCommand,
    CaseDetail,
    CaseService,
    CaseStatus,
    Clear,
    ConfirmFraud,
    Escalate,
    QueueFilter,
    RequestInfo,
    Reviewer,
    ReviewerRole,
    label_json,
)
from riskline.storage import ApiKey, Role

__all__ = ["case_to_dict", "reviewer_of", "router"]

router = APIRouter(tags=["cases"], route_class=StrictJsonRoute)
_ID = r"^[A-Za-z0-9_.:@-]+$"
Why = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
_REVIEWERS = require(Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)


class AssignIn(BaseModel):
    """Who takes the case (yourself when left out) and why."""

    model_config = ConfigDict(extra="forbid")

    assignee: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    why: Annotated[str, StringConstraints(max_length=2000)] = ""


class ActIn(BaseModel):
    """A case action with its reason; ``close``/``blocklist`` apply to confirm_fraud only."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["confirm_fraud", "clear", "request_info", "escalate"]
    why: Why
    close: bool = False
    blocklist: bool = True
    allowlist: bool = True
    ask: Annotated[str, StringConstraints(max_length=1000)] = ""
    """request_info only: what the user is asked for (shown to them verbatim)."""

    def command(self) -> CaseCommand:
        """The service command this asks for."""
        match self.action:
            case "confirm_fraud":
                return ConfirmFraud(self.why, close=self.close, blocklist=self.blocklist)
            case "clear":
                return Clear(self.why, allowlist=self.allowlist)
            case "request_info":
                return RequestInfo(self.why, self.ask)
        return Escalate(self.why)


class DecideIn(BaseModel):
    """The second reviewer's reason."""

    model_config = ConfigDict(extra="forbid")

    why: Why


def reviewer_of(key: ApiKey) -> Reviewer:
    """The reviewer behind an API key (admin keys act as supervisors)."""
    return Reviewer(key.key_id, ReviewerRole(key.role.value), key.name)


def _service(request: Request) -> CaseService:
    service: CaseService = request.app.state.runtime.cases
    return service


def case_to_dict(case: Case, now: datetime) -> dict[str, Any]:
    """JSON view of a case (with ``overdue`` at ``now``)."""
    pending = case.pending
    return {
        "case_id": case.case_id,
        "group_kind": case.group_kind,
        "group_key": case.group_key,
        "status": case.status.value,
        "priority": round(case.priority, 2),
        "exposure": str(case.exposure),
        "risk": round(case.risk, 4),
        "opened_at": case.opened_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "overdue": case.overdue(now),
        "assignee": case.assignee,
        "resolution": case.resolution.value if case.resolution else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "ring_id": case.ring_id,
        "decisions": case.decisions,
        "pending": None
        if pending is None
        else {
            "action": pending.action,
            "requested_by": pending.requested_by,
            "requested_at": pending.requested_at.isoformat(),
            "why": pending.why,
            "params": pending.params,
        },
        "version": case.version,
    }


def _detail(d: CaseDetail, now: datetime) -> dict[str, Any]:
    return {
        **case_to_dict(d.case, now),
        "members": [{"kind": m.kind, "id": m.id} for m in d.members],
        "links": [
            {
                "decision_id": x.decision_id,
                "event_id": x.event_id,
                "subject": x.subject,
                "outcome": x.outcome,
                "reason_codes": list(x.reason_codes),
                "occurred_at": x.occurred_at.isoformat(),
            }
            for x in d.links
        ],
        "events": [
            {
                "id": e.event_id,
                "action": e.action,
                "actor": e.actor,
                "actor_role": e.actor_role,
                "at": e.at.isoformat(),
                "why": e.why,
                "details": e.details,
            }
            for e in d.events
        ],
    }


@router.get("/v1/cases", summary="The review queue, most urgent first")
def get_queue(
    request: Request,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
    unassigned: bool = False,
    overdue: bool = False,
    tag: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Open cases by priority (exposure x risk); filter by status, assignee, overdue, tag."""
    service = _service(request)
    flt = QueueFilter(tuple(status or ()), assignee, unassigned, overdue, limit, offset, tag)
    now = service.clock.now()
    return {"cases": [case_to_dict(c, now) for c in service.queue(flt)]}


@router.get("/v1/cases/stats", summary="Queue depth, overdue and unassigned counts")
def get_stats(request: Request, key: ApiKey = Depends(_REVIEWERS)) -> dict[str, Any]:
    """Counts for dashboards."""
    s = _service(request).stats()
    return {
        "by_status": s.by_status,
        "open": s.open,
        "overdue": s.overdue,
        "unassigned": s.unassigned,
    }


@router.get("/v1/cases/labels", summary="Training labels from decided cases (JSON lines)")
def get_labels(
    request: Request,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    key: ApiKey = Depends(_REVIEWERS),
) -> PlainTextResponse:
    """One JSON object a line: event, decision, label, event time and label time."""
    rows = _service(request).labels(since, until)
    text = "".join(json.dumps(label_json(lb), sort_keys=True) + "\n" for lb in rows)
    return PlainTextResponse(text, media_type="application/x-ndjson")


@router.get("/v1/cases/{case_id}", summary="A case with its members, decisions and audit trail")
def get_case(
    request: Request,
    case_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """The case page's data."""
    service = _service(request)
    return _detail(service.detail(case_id), service.clock.now())


@router.post("/v1/cases/{case_id}/assign", summary="Assign a case")
def post_assign(
    request: Request,
    body: AssignIn,
    case_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Take a case, or (admin) give it to another reviewer."""
    service = _service(request)
    by = reviewer_of(key)
    case = service.assign(case_id, body.assignee or by.id, by, body.why)
    return case_to_dict(case, service.clock.now())


@router.post("/v1/cases/{case_id}/actions", summary="Confirm fraud, clear, ask for info, escalate")
def post_action(
    request: Request,
    body: ActIn,
    case_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(_REVIEWERS),
) -> dict[str, Any]:
    """Act on a case; closing or blocklisting waits for a second reviewer (status pending)."""
    service = _service(request)
    case = service.act(case_id, body.command(), reviewer_of(key))
    return case_to_dict(case, service.clock.now())


@router.post("/v1/cases/{case_id}/approve", summary="Approve a pending four-eyes action")
def post_approve(
    request: Request,
    body: DecideIn,
    case_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(require(Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """A second, different reviewer (supervisor or admin) carries it out."""
    service = _service(request)
    case = service.approve(case_id, reviewer_of(key), body.why)
    return case_to_dict(case, service.clock.now())


@router.post("/v1/cases/{case_id}/reject", summary="Reject a pending four-eyes action")
def post_reject(
    request: Request,
    body: DecideIn,
    case_id: str = Path(min_length=1, max_length=40, pattern=_ID),
    key: ApiKey = Depends(require(Role.SUPERVISOR, Role.ADMIN)),
) -> dict[str, Any]:
    """Send the case back to its reviewer without carrying out the action."""
    service = _service(request)
    case = service.reject(case_id, reviewer_of(key), body.why)
    return case_to_dict(case, service.clock.now())
