"""Decision <-> JSON body, for the decisions table and the API."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import orjson

from riskline.decisioning import Action, ActionKind, Decision, Outcome, Reason
from riskline.events.types import Product

__all__ = ["decision_body", "decision_from_row", "decision_to_dict"]


def decision_body(d: Decision) -> str:
    """The JSON stored next to a decision's indexed columns (NaN and infinities become null)."""
    body = {
        "reasons": [
            {"code": r.code, "text": r.text, "evidence": dict(r.evidence)} for r in d.reasons
        ],
        "actions": [_action(a) for a in d.actions],
        "scores": dict(d.scores),
        "features": dict(d.features),
        "versions": dict(d.versions),
        "shadow": list(d.shadow),
    }
    return orjson.dumps(body, default=str).decode()


def _action(a: Action) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": a.kind.value, "applied": a.applied}
    if a.product is not None:
        out["product"] = a.product.value
    if a.owner_id is not None:
        out["owner_id"] = a.owner_id
    if a.days is not None:
        out["days"] = a.days
    if a.limit is not None:
        out["limit"] = str(a.limit)
    if a.note:
        out["note"] = a.note
    return out


def decision_from_row(row: Any) -> Decision:
    """Rebuild a Decision from a ``decisions`` row."""
    body = json.loads(row["body"])
    return Decision(
        decision_id=row["decision_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        subject=row["subject"],
        outcome=Outcome(row["outcome"]),
        reasons=tuple(
            Reason(r["code"], r["text"], MappingProxyType(r["evidence"])) for r in body["reasons"]
        ),
        actions=tuple(_action_from(a) for a in body["actions"]),
        scores=MappingProxyType(
            {k: math.nan if v is None else v for k, v in body["scores"].items()}
        ),
        features=MappingProxyType(
            {k: math.nan if v is None else v for k, v in body["features"].items()}
        ),
        versions=MappingProxyType(body["versions"]),
        occurred_at=row["occurred_at"],
        decided_at=row["decided_at"],
        latency_us=int(row["latency_us"]),
        shadow=tuple(body.get("shadow", ())),
    )


def _action_from(a: Mapping[str, Any]) -> Action:
    return Action(
        kind=ActionKind(a["kind"]),
        product=Product(a["product"]) if "product" in a else None,
        owner_id=a.get("owner_id"),
        days=a.get("days"),
        limit=Decimal(a["limit"]) if "limit" in a else None,
        applied=bool(a["applied"]),
        note=a.get("note", ""),
    )


def decision_to_dict(d: Decision) -> dict[str, Any]:
    """The API's JSON view of a decision."""
    body = json.loads(decision_body(d))
    return {
        "decision_id": d.decision_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "subject": d.subject,
        "outcome": d.outcome.value,
        "occurred_at": _iso(d.occurred_at),
        "decided_at": _iso(d.decided_at),
        "latency_us": d.latency_us,
        **body,
    }


def _iso(value: datetime) -> str:
    return value.isoformat()
