"""Decision <-> JSON body, for the decisions table and the API.

A stored body names its features by position in :data:`~riskline.storage.vocabulary.FEATURE_NAMES`
(``fk``: runs of positions, ``fv``: the values in the same order) instead of repeating some 70
names per decision: the same content in about a quarter of the bytes. Bodies stored before this
format (a ``features`` mapping) are read as they are.

>>> pack_names(("account.age_days", "account.devices_1d", "account.devices_7d", "custom.x"))
[[0, 3], 'custom.x']
>>> unpack_names([[0, 2], "custom.x", 3])
('account.age_days', 'account.devices_1d', 'custom.x', 'account.ips_1d')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import orjson

from riskline.decisioning import Action, ActionKind, Decision, Outcome, Reason
from riskline.events.types import Product
from riskline.storage.vocabulary import FEATURE_NAMES

__all__ = [
    "body_dict",
    "decision_body",
    "decision_from_row",
    "decision_to_dict",
    "pack_names",
    "unpack_names",
]

_POSITION = {name: i for i, name in enumerate(FEATURE_NAMES)}
_PACKED: dict[tuple[str, ...], list[Any]] = {}
"""Packed names by feature-name tuple: an engine produces a few dozen distinct tuples."""
_PACKED_MAX = 4096


def pack_names(names: Sequence[str]) -> list[Any]:
    """Feature names as runs ``[first, count]`` or single positions in the vocabulary; names it
    lacks stay as strings."""
    out: list[Any] = []
    for name in names:
        i = _POSITION.get(name)
        last = out[-1] if out else None
        if i is None:
            out.append(name)
        elif isinstance(last, list) and last[0] + last[1] == i:
            last[1] += 1
        elif isinstance(last, int) and last + 1 == i:
            out[-1] = [last, 2]
        else:
            out.append(i)
    return out


def unpack_names(packed: Sequence[Any]) -> tuple[str, ...]:
    """The names :func:`pack_names` packed, in order."""
    names: list[str] = []
    for item in packed:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, int):
            names.append(FEATURE_NAMES[item])
        else:
            names.extend(FEATURE_NAMES[item[0] : item[0] + item[1]])
    return tuple(names)


def _packed(names: tuple[str, ...]) -> list[Any]:
    hit = _PACKED.get(names)
    if hit is None:
        if len(_PACKED) >= _PACKED_MAX:
            _PACKED.clear()
        hit = _PACKED[names] = pack_names(names)
    return hit


def _reasons(d: Decision) -> list[dict[str, Any]]:
    return [{"code": r.code, "text": r.text, "evidence": dict(r.evidence)} for r in d.reasons]


def decision_body(d: Decision) -> str:
    """The JSON stored next to a decision's indexed columns (NaN and infinities become null)."""
    body: dict[str, Any] = {
        "reasons": _reasons(d),
        "actions": [_action(a) for a in d.actions],
        "scores": dict(d.scores),
        "fk": _packed(tuple(d.features)),
        "fv": list(d.features.values()),
        "versions": dict(d.versions),
    }
    if d.shadow:
        body["shadow"] = list(d.shadow)
    return orjson.dumps(body, default=str).decode()


def body_dict(raw: str | bytes) -> dict[str, Any]:
    """A stored body as the JSON the API shows (``features`` as a name -> value mapping)."""
    body: dict[str, Any] = orjson.loads(raw)
    if "fk" in body:
        names = unpack_names(body.pop("fk"))
        body = {
            "reasons": body["reasons"],
            "actions": body["actions"],
            "scores": body["scores"],
            "features": dict(zip(names, body.pop("fv"), strict=True)),
            "versions": body["versions"],
            "shadow": body.get("shadow", []),
        }
    return body


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
    body = body_dict(row["body"])
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
    return {**_head(d), **orjson.loads(orjson.dumps(_body(d), default=str))}


def decision_fields(d: Decision) -> dict[str, Any]:
    """The API's view of a decision before JSON: ``orjson.dumps(view, default=str)`` writes
    the same JSON as :func:`decision_to_dict` (NaN as null, decimals as strings), in one pass."""
    return {**_head(d), **_body(d)}


def _head(d: Decision) -> dict[str, Any]:
    return {
        "decision_id": d.decision_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "subject": d.subject,
        "outcome": d.outcome.value,
        "occurred_at": _iso(d.occurred_at),
        "decided_at": _iso(d.decided_at),
        "latency_us": d.latency_us,
    }


def _body(d: Decision) -> dict[str, Any]:
    return {
        "reasons": _reasons(d),
        "actions": [_action(a) for a in d.actions],
        "scores": dict(d.scores),
        "features": dict(d.features),
        "versions": dict(d.versions),
        "shadow": list(d.shadow),
    }


def _iso(value: datetime) -> str:
    return value.isoformat()
