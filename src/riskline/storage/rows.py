"""Row codecs between domain objects and the SQL tables (used by ``SqlStore``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from riskline.credit import Actor, CreditLine, LineChange, LineStatus
from riskline.decisioning import Decision, LedgerEntry
from riskline.events import Product
from riskline.storage.serde import decision_body

__all__ = [
    "change_from_row",
    "change_row",
    "decision_row",
    "event_row",
    "line_from_row",
    "line_row",
]


def event_row(entry: LedgerEntry, now: datetime) -> dict[str, Any]:
    e = entry.event
    return {
        "event_id": e.event_id,
        "type": e.type,
        "subject": e.subject,
        "occurred_at": e.occurred_at,
        "recorded_at": now,
        "fingerprint": entry.fingerprint,
        "decision_id": entry.decision_id,
        "payload": entry.payload,
    }


def decision_row(d: Decision) -> dict[str, Any]:
    return {
        "decision_id": d.decision_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "subject": d.subject,
        "outcome": d.outcome.value,
        "occurred_at": d.occurred_at,
        "decided_at": d.decided_at,
        "latency_us": d.latency_us,
        "body": decision_body(d),
    }


def line_row(ln: CreditLine) -> dict[str, Any]:
    return {
        "line_id": ln.line_id,
        "owner_id": ln.owner_id,
        "owner_kind": ln.owner_kind,
        "product": ln.product.value,
        "status": ln.status.value,
        "credit_limit": ln.limit,
        "outstanding": ln.outstanding,
        "previous_limit": ln.previous_limit,
        "frozen_until": ln.frozen_until,
        "review_at": ln.review_at,
        "currency": ln.currency,
        "opened_at": ln.opened_at,
        "updated_at": ln.updated_at,
        "version": ln.version,
    }


def line_from_row(m: Any) -> CreditLine:
    return CreditLine(
        line_id=m["line_id"],
        owner_id=m["owner_id"],
        owner_kind=m["owner_kind"],
        product=Product(m["product"]),
        status=LineStatus(m["status"]),
        limit=m["credit_limit"],
        outstanding=m["outstanding"],
        opened_at=m["opened_at"],
        updated_at=m["updated_at"],
        previous_limit=m["previous_limit"],
        frozen_until=m["frozen_until"],
        review_at=m["review_at"],
        currency=m["currency"],
        version=m["version"],
    )


def change_row(c: LineChange) -> dict[str, Any]:
    return {
        "line_id": c.line_id,
        "action": c.action,
        "from_status": c.from_status.value,
        "to_status": c.to_status.value,
        "limit_before": c.limit_before,
        "limit_after": c.limit_after,
        "actor_kind": c.actor.kind,
        "actor_id": c.actor.id,
        "reasons": json.dumps(list(c.reasons)),
        "decision_id": c.decision_id,
        "at": c.at,
    }


def change_from_row(m: Any) -> LineChange:
    return LineChange(
        line_id=m["line_id"],
        action=m["action"],
        from_status=LineStatus(m["from_status"]),
        to_status=LineStatus(m["to_status"]),
        limit_before=m["limit_before"],
        limit_after=m["limit_after"],
        actor=Actor(m["actor_kind"], m["actor_id"]),
        reasons=tuple(json.loads(m["reasons"])),
        decision_id=m["decision_id"],
        at=m["at"],
    )
