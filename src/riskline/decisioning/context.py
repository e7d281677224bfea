"""Built-in context features: the event's own fields and the state of the line it touches.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> from riskline.events.types import Payment
>>> e = Payment(event_id="e", occurred_at=datetime(2026, 1, 1, 3, tzinfo=timezone.utc),
...             account_id="a", merchant_id="m", amount=Decimal("100"))
>>> v = event_features(e, None)
>>> v["event.amount"], v["event.hour"], v["event.round_amount"], v["event.asks_credit"]
(100.0, 3.0, 1.0, 1.0)
"""

from __future__ import annotations

import math
from decimal import Decimal

from riskline.credit.lines import CreditLine
from riskline.events.types import (
    BillOverdue,
    Channel,
    EnterpriseLoanApplication,
    Event,
    Funding,
    LoanApplication,
    LoanDrawdown,
    Payment,
    Product,
    is_round_amount,
)

__all__ = [
    "CONTEXT_SCHEMA",
    "ID_SCHEMA",
    "asks_credit",
    "event_features",
    "event_ids",
    "product_of",
]

ID_KINDS = (
    "account",
    "person",
    "phone",
    "id",
    "device",
    "ip",
    "card",
    "merchant",
    "enterprise",
    "counterparty",
)
ID_SCHEMA = {f"event.{kind}_id": "string" for kind in ID_KINDS}
"""Entity ids of an event, for list lookups: ``in_list("block", "device", event.device_id)``."""


def event_ids(event: Event) -> dict[str, str]:
    """``event.<kind>_id`` for every entity the event touches (first of each kind).

    >>> from datetime import datetime, timezone
    >>> from riskline.events.types import Login
    >>> event_ids(Login(event_id="e", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...                 account_id="a", device_id="d"))
    {'event.account_id': 'a', 'event.device_id': 'd'}
    """
    out: dict[str, str] = {}
    for kind, key in event.entities():
        out.setdefault(f"event.{kind}_id", key)
    return out


CONTEXT_SCHEMA = {
    "event.amount": "number",
    "event.hour": "number",
    "event.round_amount": "bool",
    "event.days_overdue": "number",
    "event.is_external": "bool",
    "event.asks_credit": "bool",
    "event.enterprise_credit": "bool",
    "line.limit": "number",
    "line.available": "number",
    "line.utilisation": "number",
    "line.amount_to_available": "number",
}
"""Names and types of the built-in context features."""


def product_of(event: Event) -> Product | None:
    """The credit product an event draws on or concerns, if any."""
    if isinstance(event, Payment):
        return Product.REVOLVING if event.funding is Funding.REVOLVING else None
    product = getattr(event, "product", None)
    return product if isinstance(product, Product) else None


_CREDIT_EVENTS = (Payment, LoanApplication, LoanDrawdown, EnterpriseLoanApplication)
"""Event types that may ask for credit (``event.asks_credit`` is set on them only)."""


def asks_credit(event: Event) -> bool:
    """Whether the event asks us for new credit: a purchase on the revolving line, a
    drawdown, or a loan application made here (one seen at another platform asks us nothing).

    >>> from datetime import datetime, timezone
    >>> from decimal import Decimal
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> asks_credit(Payment(event_id="e", occurred_at=at, account_id="a", merchant_id="m",
    ...                     amount=Decimal("5"), funding=Funding.BANK_CARD))
    False
    """
    if isinstance(event, Payment):
        return event.funding is Funding.REVOLVING
    if isinstance(event, LoanApplication):
        return event.channel == Channel.INTERNAL
    return isinstance(event, LoanDrawdown | EnterpriseLoanApplication)


def event_features(event: Event, line: CreditLine | None) -> dict[str, float]:
    """Context features for ``event`` given the line it concerns (if any)."""
    values: dict[str, float] = {"event.hour": float(event.occurred_at.hour)}
    if isinstance(event, _CREDIT_EVENTS):
        values["event.asks_credit"] = 1.0 if asks_credit(event) else 0.0
    if isinstance(event, LoanDrawdown):
        values["event.enterprise_credit"] = float(event.product is Product.ENTERPRISE_CREDIT)
    amount = getattr(event, "amount", None)
    if isinstance(event, BillOverdue):
        amount = event.amount_due
        values["event.days_overdue"] = float(event.days_overdue)
    if isinstance(amount, Decimal):
        values["event.amount"] = float(amount)
        values["event.round_amount"] = 1.0 if is_round_amount(amount) else 0.0
    channel = getattr(event, "channel", None)
    if channel is not None:
        values["event.is_external"] = 1.0 if channel == "external" else 0.0
    if line is not None:
        values.update(_line_features(line, amount if isinstance(amount, Decimal) else None))
    return values


def _line_features(line: CreditLine, amount: Decimal | None) -> dict[str, float]:
    limit = float(line.limit)
    available = float(line.available)
    values = {
        "line.limit": limit,
        "line.available": available,
        "line.utilisation": float(line.outstanding) / limit if limit > 0 else math.nan,
    }
    if amount is not None:
        values["line.amount_to_available"] = (
            float(amount) / available if available > 0 else (math.inf if amount > 0 else 0.0)
        )
    return values
