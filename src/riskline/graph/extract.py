"""Turn domain events into typed, directed links of the graph.

>>> from datetime import datetime, timezone
>>> from riskline.events import Login
>>> e = Login(event_id="e1", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
...           account_id="a1", device_id="d1", ip="1.2.3.4")
>>> [(a, b, k.value) for a, b, k, _ in edges_from(e)]
[(('account', 'a1'), ('device', 'd1'), 'device'), (('account', 'a1'), ('ip', '1.2.3.4'), 'ip')]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riskline.events.types import (
    AccountOpened,
    EnterpriseRegistered,
    Event,
    Funding,
    LoanDrawdown,
    Login,
    MerchantPayout,
    MerchantRegistered,
    Payment,
    Transfer,
)
from riskline.graph.types import EdgeKind, Node

__all__ = ["RawEdge", "edges_from", "exposure_of", "subject_of"]

RawEdge = tuple[Node, Node, EdgeKind, float]
"""One edge from an event: source, target, kind, amount (0 for non-money links)."""


def _acct(key: str) -> Node:
    return ("account", key)


def _with_device_ip(src: Node, device: str | None, ip: str | None) -> list[RawEdge]:
    out: list[RawEdge] = []
    if device:
        out.append((src, ("device", device), EdgeKind.DEVICE, 0.0))
    if ip:
        out.append((src, ("ip", ip), EdgeKind.IP, 0.0))
    return out


def _account_opened(e: Any) -> list[RawEdge]:
    a = _acct(e.account_id)
    return [
        (a, ("person", e.person_id), EdgeKind.HOLDS, 0.0),
        (a, ("phone", e.phone_hash), EdgeKind.PHONE, 0.0),
        (a, ("id", e.id_hash), EdgeKind.ID, 0.0),
        *_with_device_ip(a, e.device_id, e.ip),
        *(
            [(a, ("phone_block", e.phone_block_hash), EdgeKind.PHONE_BLOCK, 0.0)]
            if e.phone_block_hash
            else []
        ),
    ]


def _login(e: Any) -> list[RawEdge]:
    return _with_device_ip(_acct(e.account_id), e.device_id, e.ip)


def _payment(e: Any) -> list[RawEdge]:
    a = _acct(e.account_id)
    pay = (a, ("merchant", e.merchant_id), EdgeKind.PAYMENT, float(e.amount))
    return [pay, *_with_device_ip(a, e.device_id, e.ip)]


def _merchant_registered(e: Any) -> list[RawEdge]:
    m: Node = ("merchant", e.merchant_id)
    out: list[RawEdge] = [(m, ("person", e.owner_person_id), EdgeKind.OWNS, 0.0)]
    if e.card_hash:
        out.append((m, ("card", e.card_hash), EdgeKind.MERCHANT_CARD, 0.0))
    return out + _with_device_ip(m, e.device_id, e.ip)


def _payout(e: Any) -> list[RawEdge]:
    return [(("merchant", e.merchant_id), ("card", e.card_hash), EdgeKind.PAYOUT, float(e.amount))]


def _transfer(e: Any) -> list[RawEdge]:
    a = _acct(e.account_id)
    out: list[RawEdge] = []
    if e.to_account_id:
        out.append((a, _acct(e.to_account_id), EdgeKind.TRANSFER, float(e.amount)))
    if e.to_card_hash:
        out.append((a, ("card", e.to_card_hash), EdgeKind.TRANSFER, float(e.amount)))
    return out + _with_device_ip(a, e.device_id, e.ip)


def _drawdown(e: Any) -> list[RawEdge]:
    a = _acct(e.account_id)
    out: list[RawEdge] = []
    if e.card_hash:
        out.append((a, ("card", e.card_hash), EdgeKind.DRAWDOWN, float(e.amount)))
    return out + _with_device_ip(a, e.device_id, e.ip)


def _enterprise(e: Any) -> list[RawEdge]:
    ent: Node = ("enterprise", e.enterprise_id)
    return [(ent, (r.party_kind, r.party_id), EdgeKind.ROLE, 0.0) for r in e.roles]


_EXTRACTORS: dict[type[Event], Callable[[Any], list[RawEdge]]] = {
    AccountOpened: _account_opened,
    Login: _login,
    Payment: _payment,
    MerchantRegistered: _merchant_registered,
    MerchantPayout: _payout,
    Transfer: _transfer,
    LoanDrawdown: _drawdown,
    EnterpriseRegistered: _enterprise,
}


def edges_from(event: Event) -> list[RawEdge]:
    """The links an event creates or refreshes (none for events the graph ignores, and none for
    a released step-up event: its held original was linked when it arrived)."""
    extract = _EXTRACTORS.get(type(event))
    return extract(event) if extract is not None and event.step_up is None else []


def exposure_of(event: Event) -> tuple[Node, float] | None:
    """Credit drawn by the event's account (revolving payments, drawdowns), if any; a released
    step-up event's was counted with its held original."""
    if event.step_up is not None:
        return None
    if isinstance(event, Payment) and event.funding is Funding.REVOLVING:
        return _acct(event.account_id), float(event.amount)
    if isinstance(event, LoanDrawdown):
        return _acct(event.account_id), float(event.amount)
    return None


def subject_of(event: Event) -> Node:
    """The node a decision on this event is about."""
    for kind, key in event.entities():
        return ("account" if kind == "counterparty" else kind, key)
    return ("event", event.event_id)
