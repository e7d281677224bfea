"""What a feature can see of an event: its entities, and named, normalised field values.

Money fields are exposed in integer cents (``scale`` 100) so that sums stay exact in floats;
readers divide by the scale. Booleans become 1.0/0.0, enums their string value.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> from riskline.events import Payment
>>> e = Payment(event_id="e1", occurred_at=datetime(2026, 1, 1, 17, tzinfo=timezone.utc),
...             account_id="a1", merchant_id="m1", amount=Decimal("200.00"))
>>> ts = int(e.occurred_at.timestamp())
>>> [field_getter("payment", f).get(e, ts) for f in ("amount", "is_round_amount", "is_night")]
[20000.0, 1.0, 1.0]
>>> direct_entities(e)
[('account', 'a1'), ('merchant', 'm1')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from riskline.events import EVENT_TYPES
from riskline.events.types import Event, Funding, Product, is_round_amount

__all__ = [
    "DIRECT_KINDS",
    "ENTITY_KINDS",
    "LOCAL_UTC_OFFSET",
    "STEP_UP_SUFFIX",
    "FieldGetter",
    "Value",
    "direct_entities",
    "entity_attrs",
    "field_getter",
    "fields_of",
    "source_type",
]

Value = float | str | None
LOCAL_UTC_OFFSET = 8 * 3600
"""Local time for hour-of-day fields (China Standard Time, UTC+8)."""

DIRECT_KINDS = (
    "account",
    "person",
    "device",
    "phone",
    "id",
    "ip",
    "card",
    "merchant",
    "enterprise",
)
"""Entity kinds events name directly (the pairs are derived)."""
ENTITY_KINDS = (*DIRECT_KINDS, "account_merchant", "account_device")
"""Entity kinds a feature can be keyed by; the last two are pairs."""

_ENTITY_ATTRS: dict[str, tuple[tuple[str, str], ...]] = {
    "account_opened": (
        ("account", "account_id"),
        ("person", "person_id"),
        ("phone", "phone_hash"),
        ("id", "id_hash"),
        ("device", "device_id"),
        ("ip", "ip"),
    ),
    "login": (("account", "account_id"), ("device", "device_id"), ("ip", "ip")),
    "identity_verified": (("account", "account_id"), ("device", "device_id")),
    "payment": (
        ("account", "account_id"),
        ("merchant", "merchant_id"),
        ("device", "device_id"),
        ("ip", "ip"),
    ),
    "refund": (("account", "account_id"), ("merchant", "merchant_id")),
    "transfer": (
        ("account", "account_id"),
        ("card", "to_card_hash"),
        ("device", "device_id"),
        ("ip", "ip"),
    ),
    "merchant_registered": (
        ("merchant", "merchant_id"),
        ("person", "owner_person_id"),
        ("card", "card_hash"),
        ("device", "device_id"),
        ("ip", "ip"),
    ),
    "merchant_payout": (("merchant", "merchant_id"), ("card", "card_hash")),
    "loan_application": (("account", "account_id"), ("device", "device_id"), ("ip", "ip")),
    "loan_drawdown": (
        ("account", "account_id"),
        ("card", "card_hash"),
        ("device", "device_id"),
        ("ip", "ip"),
    ),
    "repayment": (("account", "account_id"),),
    "bill_overdue": (("account", "account_id"),),
    "enterprise_registered": (("enterprise", "enterprise_id"),),
    "enterprise_loan_application": (("enterprise", "enterprise_id"),),
    "bureau_report": (("person", "person_id"),),
}


STEP_UP_SUFFIX = ":step_up"


def source_type(event: Event) -> str:
    """The type feature sources see for ``event``.

    A released step-up event (``step_up`` set) re-submits a held event that was counted when
    it arrived; with this suffix it matches no feature's events, so every path reads its
    entities at its time without counting it again.
    """
    return event.type if event.step_up is None else event.type + STEP_UP_SUFFIX


def entity_attrs(etype: str) -> tuple[tuple[str, str], ...]:
    """(entity kind, attribute) pairs an event type names itself, in resolution order."""
    return _ENTITY_ATTRS.get(etype, ())


def direct_entities(event: Event) -> list[tuple[str, str]]:
    """The (kind, id) pairs named on the event itself, before identity resolution."""
    out = []
    for kind, attr in _ENTITY_ATTRS.get(event.type, ()):
        key = getattr(event, attr)
        if key:
            out.append((kind, key))
    return out


@dataclass(frozen=True, slots=True)
class FieldGetter:
    """A named field of one event type: ``get(event, ts)`` and the scale readers divide by."""

    name: str
    get: Callable[[Any, int], Value]
    scale: float = 1.0
    categorical: bool = False


def _local_hour(ts: int) -> float:
    return float((ts + LOCAL_UTC_OFFSET) // 3600 % 24)


def _days_late(e: Any, ts: int) -> Value:
    return float(max(0, (e.paid_at.date() - e.due_date).days))


def _days_before_due(e: Any, ts: int) -> Value:
    return float((e.due_date - e.occurred_at.date()).days)


def _round(e: Any, ts: int) -> Value:
    return 1.0 if is_round_amount(e.amount) else 0.0


_DERIVED: dict[str, tuple[frozenset[str] | None, FieldGetter]] = {
    "hour": (None, FieldGetter("hour", lambda e, ts: _local_hour(ts))),
    "is_night": (None, FieldGetter("is_night", lambda e, ts: 1.0 if _local_hour(ts) < 6 else 0.0)),
    "is_round_amount": (None, FieldGetter("is_round_amount", _round)),
    "is_credit_funded": (
        frozenset({"payment"}),
        FieldGetter(
            "is_credit_funded", lambda e, ts: 1.0 if e.funding is Funding.REVOLVING else 0.0
        ),
    ),
    # an enterprise's loan drawn to a card is the enterprise's money, not a person's account
    # sending money to the card (``card.accounts_30d`` counts people's accounts only)
    "is_enterprise_credit": (
        frozenset({"loan_drawdown", "transfer"}),
        FieldGetter(
            "is_enterprise_credit",
            lambda e, ts: 1.0 if getattr(e, "product", None) is Product.ENTERPRISE_CREDIT else 0.0,
        ),
    ),
    "days_late": (frozenset({"repayment"}), FieldGetter("days_late", _days_late)),
    "days_before_due": (frozenset({"repayment"}), FieldGetter("days_before_due", _days_before_due)),
}


def _attr_getter(name: str, annotation: str) -> FieldGetter | None:
    base = annotation.replace(" | None", "").strip()
    if base == "Decimal":
        return FieldGetter(name, lambda e, ts: _cents(getattr(e, name)), scale=100.0)
    if base in ("int", "float", "bool"):
        return FieldGetter(name, lambda e, ts: _num(getattr(e, name)))
    if base == "str" or base in {"Product", "Funding", "Channel", "VerificationMethod"}:
        return FieldGetter(name, lambda e, ts: _text(getattr(e, name)), categorical=True)
    return None


def _cents(value: Decimal | None) -> Value:
    return None if value is None else float(int(value * 100))


def _num(value: float | None) -> Value:
    return None if value is None else float(value)


def _text(value: str | Enum | None) -> Value:
    if value is None:
        return None
    return str(value.value) if isinstance(value, Enum) else value


def _attr_getters(event_type: str) -> dict[str, FieldGetter]:
    cls = EVENT_TYPES[event_type]
    out = {}
    for f in dataclasses.fields(cls):
        getter = _attr_getter(f.name, str(f.type))
        if getter is not None and f.name != "event_id":
            out[f.name] = getter
    if "amount" in out:
        out["is_round_amount"] = _DERIVED["is_round_amount"][1]
    return out


def fields_of(event_type: str) -> dict[str, FieldGetter]:
    """Every field a definition may use on ``event_type``."""
    out = _attr_getters(event_type)
    for name, (types, getter) in _DERIVED.items():
        if name != "is_round_amount" and (types is None or event_type in types):
            out[name] = getter
    return out


def field_getter(event_type: str, name: str) -> FieldGetter:
    """The getter of ``name`` on ``event_type``; ``KeyError`` when it has no such field."""
    return fields_of(event_type)[name]
