"""Field groups of the leakage audit: which single-event features each group holds.

:data:`FIELD_GROUPS` is the one table: for each group, whether it is an artifact group
(capped: honest and fraud events should not differ there) and which wire field feeds it
through which derivation. Money fields are recognised by value (``"12.50"``), so every
money field of every event type feeds ``amount_precision``; a money field no group names
feeds ``behaviour`` as its log; any other field no group names and that is not an id feeds
``behaviour`` as it is. Ids never become features.

>>> feats = event_features({"type": "payment", "event_id": "e1", "account_id": "a1",
...     "occurred_at": "2026-01-05T09:00:00Z", "amount": "120.00", "funding": "revolving"})
>>> for feature in feats:
...     if feature[1] in ("occurred_at.on_the_hour", "amount.whole", "amount.log", "funding"):
...         print(feature)
('time', 'occurred_at.on_the_hour', 1.0)
('amount_precision', 'amount.whole', 1.0)
('behaviour', 'amount.log', 4.795790545596741)
('behaviour', 'funding', 'revolving')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from types import MappingProxyType
from typing import Any

import orjson

__all__ = [
    "ARTIFACT_GROUPS",
    "FIELD_GROUPS",
    "ID_FIELDS",
    "Feature",
    "FieldGroup",
    "Value",
    "event_features",
]

Value = float | str
"""A feature value: a number, or a category (text)."""
Feature = tuple[str, str, Value]
"""One feature of one event: (group, name, value)."""
Derive = Callable[[str, Any, Mapping[str, Any]], Iterator[tuple[str, Value]]]

MONEY = "<money>"
"""Pseudo field in :data:`FIELD_GROUPS`: every field whose value looks like ``"12.50"``."""
OTHER = "<other>"
"""Pseudo field in :data:`FIELD_GROUPS`: every field no group names that is not an id."""

ID_FIELDS = frozenset(
    {"type", "event_id", "account_id", "person_id", "owner_person_id", "merchant_id", "party_id"}
    | {"enterprise_id", "device_id", "to_account_id", "to_card", "card", "phone", "id_number"}
    | {"name"}
)
"""Fields whose values are never features (any field ending in ``_id`` is an id too)."""

_MONEY = re.compile(r"-?\d+\.\d{2}")


@dataclass(frozen=True, slots=True)
class FieldGroup:
    """One audit group: capped or only reported, and the fields feeding it with their derivation."""

    artifact: bool
    fields: Mapping[str, Derive]
    summary: str


def _clock(
    name: str, value: Any, event: Mapping[str, Any], *, full: bool = True
) -> Iterator[tuple[str, Value]]:
    t = _datetime(value)
    if t is not None:
        yield from _clock_parts(name, t, full=full)


def _clock_parts(name: str, t: datetime, *, full: bool) -> Iterator[tuple[str, Value]]:
    yield f"{name}.minute", float(t.minute)
    yield f"{name}.second", float(t.second)
    yield f"{name}.on_the_minute", float(t.second == 0)
    if full:
        yield f"{name}.hour", float(t.hour)
        yield f"{name}.on_the_hour", float(t.minute == 0 and t.second == 0)
        yield f"{name}.weekday", float(t.weekday())


def _ip(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    parts = str(value).split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        yield f"{name}.prefix", ":".join(str(value).split(":")[:2])
        return
    octets = [int(p) for p in parts]
    for i, octet in enumerate(octets, 1):
        yield f"{name}.octet{i}", float(octet)
    yield f"{name}.class", _ip_class(octets[0])
    yield f"{name}.range", _ip_range(octets[0], octets[1])
    yield f"{name}.slash16", f"{octets[0]}.{octets[1]}"


def _ip_class(first: int) -> str:
    for top, label in ((127, "A"), (191, "B"), (223, "C"), (239, "D")):
        if first <= top:
            return label
    return "E"


def _ip_range(first: int, second: int) -> str:
    if first == 10 or (first == 172 and 16 <= second < 32) or (first == 192 and second == 168):
        return "private"
    if first == 100 and 64 <= second < 128:
        return "carrier_nat"
    return "loopback" if first == 127 else "public"


def _object(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    if isinstance(value, Mapping):
        for key in sorted(value):
            yield f"{name}.{key}", _category(value[key])
    else:
        yield name, _category(value)


def _present(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    yield f"{name}.present", 1.0


def _as_is(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    if isinstance(value, bool | int | float):
        yield name, float(value)
    elif isinstance(value, list):
        yield f"{name}.count", float(len(value))
    elif isinstance(value, Mapping):
        yield from _object(name, value, event)
    else:
        yield name, _category(value)


def _precision(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    yuan_text, cents_text = str(value).lstrip("-").split(".")
    yuan, cents = int(yuan_text), int(cents_text)
    yield f"{name}.cents", float(cents)
    yield f"{name}.whole", float(cents == 0)
    yield f"{name}.last_digit", float(yuan % 10)


def _log_amount(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    yield f"{name}.log", math.log1p(abs(float(value)))


def _roles(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    roles = [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []
    yield f"{name}.count", float(len(roles))
    yield f"{name}.parties", float(len({str(r.get("party_id")) for r in roles}))
    for role in sorted({str(r.get("role")) for r in roles}):
        yield f"{name}.{role}", float(sum(str(r.get("role")) == role for r in roles))


def _days_to_due(name: str, value: Any, event: Mapping[str, Any]) -> Iterator[tuple[str, Value]]:
    occurred = _datetime(event.get("occurred_at"))
    try:
        due = date.fromisoformat(str(value))
    except ValueError:
        return
    if occurred is not None:
        yield f"{name}.days_from_event", float((due - occurred.date()).days)


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _category(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


FIELD_GROUPS: Mapping[str, FieldGroup] = MappingProxyType(
    {
        "time": FieldGroup(
            True,
            {"occurred_at": _clock, "paid_at": partial(_clock, full=False)},
            "hour, minute, second, on the hour, on the minute, weekday; paid_at minute, second",
        ),
        "network": FieldGroup(
            True,
            {"ip": _ip, "geo": _as_is},
            "each IP octet, IP class (A-E), range (private, carrier NAT, public), /16; geo",
        ),
        "device": FieldGroup(
            True,
            {"fingerprint": _object},
            "every fingerprint key as a category (whether a device is named follows the"
            " channel, which is behaviour)",
        ),
        "amount_precision": FieldGroup(
            True,
            {MONEY: _precision},
            "per money field: cents, whole yuan, last digit of the yuan (how precise, not how"
            " large: a round 1,000 is only possible for large amounts, and size is behaviour)",
        ),
        "verification_bureau": FieldGroup(
            True,
            {
                "method": _as_is,
                "score": _as_is,
                "passed": _as_is,
                "overdue_accounts": _as_is,
                "overdue_amount": _log_amount,
                "source": _as_is,
            },
            "identity method, score, passed; bureau overdue accounts, overdue amount, source",
        ),
        "behaviour": FieldGroup(
            False,
            {
                MONEY: _log_amount,
                "to_account_id": _present,
                "to_card": _present,
                "card": _present,
                "roles": _roles,
                "due_date": _days_to_due,
                OTHER: _as_is,
            },
            "log amounts, to_card/to_account/card present, roles, days to due date, all else",
        ),
    }
)
"""The audit's field groups, in report order (``all_artifacts`` joins the artifact ones)."""

ARTIFACT_GROUPS = tuple(name for name, group in FIELD_GROUPS.items() if group.artifact)
"""Names of the capped groups."""

_NAMED: Mapping[str, tuple[tuple[str, Derive], ...]] = MappingProxyType(
    {
        field: tuple(
            (g, spec.fields[field]) for g, spec in FIELD_GROUPS.items() if field in spec.fields
        )
        for spec in FIELD_GROUPS.values()
        for field in spec.fields
        if field not in (MONEY, OTHER)
    }
)


def _routes(field: str, value: Any) -> tuple[tuple[str, Derive], ...]:
    named = _NAMED.get(field, ())
    if not named and (field in ID_FIELDS or field.endswith("_id")):
        return ()
    if isinstance(value, str) and _MONEY.fullmatch(value):
        precision = (("amount_precision", FIELD_GROUPS["amount_precision"].fields[MONEY]),)
        return named + precision if named else (*precision, _fallback(MONEY))
    return named or (_fallback(OTHER),)


def _fallback(key: str) -> tuple[str, Derive]:
    return "behaviour", FIELD_GROUPS["behaviour"].fields[key]


def event_features(event: Mapping[str, Any]) -> list[Feature]:
    """Every feature of one event's own fields, each tagged with its group."""
    out: list[Feature] = []
    for field, value in event.items():
        if value is None:
            continue
        for group, derive in _routes(field, value):
            out.extend((group, name, v) for name, v in derive(field, value, event))
    return out
