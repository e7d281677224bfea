"""Merchant-side actions: hold a merchant's settlement, cap its credit-funded acceptance.

A policy check asks for ``hold_settlement`` (days) or ``cap_acceptance`` (days, amount) on the
event's merchant (a buyer's payment at it, or its own payout). While a hold is in force, the
merchant's payouts (``merchant_payout``) are decided as held: outcome review, reason
``SETTLEMENT_HELD`` with the codes that asked for the hold. While a cap is in force, a
credit-funded payment at the merchant above the cap is declined (``MERCHANT_ACCEPTANCE_CAPPED``).
Restrictions end at their expiry, or when an analyst releases them; a released restriction is
not asked for again before its original expiry (the analyst's word stands over the same
evidence).

>>> from datetime import datetime, timedelta, timezone
>>> from decimal import Decimal
>>> from riskline.events.types import MerchantPayout
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> book = MemoryMerchantBook()
>>> book.impose([MerchantRestriction("m1", "hold_settlement", ("CASH_OUT",), t0,
...                                  t0 + timedelta(days=7), "d_1")])
>>> pay = MerchantPayout(event_id="p1", occurred_at=t0 + timedelta(days=1), merchant_id="m1",
...                      card_hash="c", amount=Decimal("90"))
>>> v = verdict_for(pay, book.state("m1", pay.occurred_at))
>>> v.outcome.value, v.reasons[0].code
('review', 'SETTLEMENT_HELD')
>>> late = MerchantPayout(event_id="p2", occurred_at=t0 + timedelta(days=8), merchant_id="m1",
...                       card_hash="c", amount=Decimal("90"))
>>> verdict_for(late, book.state("m1", late.occurred_at)).outcome.value
'approve'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from riskline.decisioning.context import product_of
from riskline.decisioning.policy import ActionSpec
from riskline.decisioning.types import Action, ActionKind, Outcome, Reason
from riskline.events import types as t

__all__ = [
    "MERCHANT_KINDS",
    "MemoryMerchantBook",
    "MerchantBook",
    "MerchantRestriction",
    "MerchantState",
    "MerchantVerdict",
    "merchant_of",
    "requested",
    "verdict_for",
]

MERCHANT_KINDS = frozenset({"hold_settlement", "cap_acceptance"})
"""Policy action kinds that act on a merchant rather than on the owner's credit lines."""

HELD_TEXT = "This merchant's settlement is on hold while its recent sales are reviewed."
CAPPED_TEXT = "This merchant cannot accept credit payments this large at the moment."


@dataclass(frozen=True, slots=True)
class MerchantRestriction:
    """One restriction on a merchant: what, why (reason codes), from when, until when."""

    merchant_id: str
    kind: str
    """``hold_settlement`` or ``cap_acceptance``."""
    reason_codes: tuple[str, ...]
    since: datetime
    until: datetime | None
    """When it ends by itself (None: until an analyst releases it)."""
    decision_id: str
    cap: Decimal | None = None
    """``cap_acceptance`` only: the largest credit-funded payment accepted."""

    def in_force(self, at: datetime) -> bool:
        """Whether it applies at ``at`` (started and not expired)."""
        return self.since <= at and (self.until is None or at < self.until)


@dataclass(frozen=True, slots=True)
class MerchantState:
    """What is in force on a merchant now, and which kinds an analyst released until when."""

    restrictions: tuple[MerchantRestriction, ...] = ()
    released_until: Mapping[str, datetime] = field(default_factory=dict)

    def of(self, kind: str) -> MerchantRestriction | None:
        """The restriction of ``kind`` in force, if any."""
        return next((r for r in self.restrictions if r.kind == kind), None)


class MerchantBook(Protocol):
    """Where merchant restrictions live (in memory for replays, a table for a deployment)."""

    def state(self, merchant_id: str, at: datetime) -> MerchantState:
        """Restrictions in force on the merchant at ``at``, and its recent releases."""
        ...

    def impose(self, restrictions: Sequence[MerchantRestriction]) -> None:
        """Record new restrictions (called after the decisions asking for them committed)."""
        ...


class MemoryMerchantBook:
    """Restrictions in a dict: what a replay or a simulation uses."""

    def __init__(self) -> None:
        self.restrictions: dict[str, list[MerchantRestriction]] = {}
        self.released: dict[str, dict[str, datetime]] = {}

    def state(self, merchant_id: str, at: datetime) -> MerchantState:
        """See :class:`MerchantBook`."""
        live = tuple(r for r in self.restrictions.get(merchant_id, ()) if r.in_force(at))
        quiet = {k: u for k, u in self.released.get(merchant_id, {}).items() if at < u}
        return MerchantState(live, quiet)

    def impose(self, restrictions: Sequence[MerchantRestriction]) -> None:
        """See :class:`MerchantBook`."""
        for r in restrictions:
            self.restrictions.setdefault(r.merchant_id, []).append(r)

    def release(self, merchant_id: str, kind: str, at: datetime) -> None:
        """End the merchant's restrictions of ``kind`` at ``at`` (an analyst's release)."""
        kept, quiet = [], self.released.setdefault(merchant_id, {})
        for r in self.restrictions.get(merchant_id, []):
            if r.kind == kind and r.in_force(at):
                quiet[kind] = max(r.until or at, quiet.get(kind, at))
                r = MerchantRestriction(
                    r.merchant_id, r.kind, r.reason_codes, r.since, at, r.decision_id, r.cap
                )
            kept.append(r)
        self.restrictions[merchant_id] = kept


def merchant_of(event: t.Event) -> str | None:
    """The merchant an event is about or paid (payment, refund, payout, registration)."""
    merchant = getattr(event, "merchant_id", None)
    return merchant if isinstance(merchant, str) and merchant else None


def requested(
    specs: Iterable[tuple[ActionSpec, str]],
    event: t.Event,
    state: MerchantState,
    decision_id: str,
) -> tuple[list[MerchantRestriction], list[Action]]:
    """The restrictions the policy's merchant actions ask for on the event's merchant (one per
    kind, the longest, with every asking reason), and the actions the decision records."""
    merged: dict[str, tuple[ActionSpec, list[str]]] = {}
    for spec, code in specs:
        if spec.kind not in MERCHANT_KINDS:
            continue
        prev = merged.get(spec.kind)
        codes = prev[1] if prev else []
        if code not in codes:
            codes.append(code)
        keep = prev[0] if prev and (prev[0].days or 0) >= (spec.days or 0) else spec
        merged[spec.kind] = (keep, codes)
    merchant = merchant_of(event)
    new: list[MerchantRestriction] = []
    actions: list[Action] = []
    for kind, (spec, codes) in sorted(merged.items()):
        action_kind = ActionKind(kind)
        note = _why_not(merchant, kind, state)
        if note or merchant is None:
            actions.append(Action(action_kind, owner_id=merchant, applied=False, note=note))
            continue
        at = event.occurred_at
        until = at + timedelta(days=spec.days or 30)
        cap = Decimal(str(spec.amount)) if spec.amount is not None else None
        new.append(MerchantRestriction(merchant, kind, tuple(codes), at, until, decision_id, cap))
        until_text = until.isoformat()
        actions.append(Action(action_kind, None, merchant, spec.days, cap, note=until_text))
    return new, actions


def _why_not(merchant: str | None, kind: str, state: MerchantState) -> str:
    if merchant is None:
        return "the event names no merchant"
    if state.of(kind) is not None:
        return "already in force"
    if kind in state.released_until:
        return f"released by an analyst until {state.released_until[kind].isoformat()}"
    return ""


@dataclass(frozen=True, slots=True)
class MerchantVerdict:
    """What the merchant's restrictions do to one event."""

    outcome: Outcome = Outcome.APPROVE
    reasons: tuple[Reason, ...] = ()
    actions: tuple[Action, ...] = ()


def verdict_for(event: t.Event, state: MerchantState) -> MerchantVerdict:
    """A payout under a hold is held; a credit-funded payment above a cap is declined."""
    merchant = merchant_of(event)
    if isinstance(event, t.MerchantPayout):
        hold = state.of("hold_settlement")
        if hold is not None:
            evidence = _evidence(hold)
            reason = Reason("SETTLEMENT_HELD", HELD_TEXT, evidence)
            action = Action(ActionKind.HOLD_SETTLEMENT, owner_id=merchant, note="payout held")
            return MerchantVerdict(Outcome.REVIEW, (reason,), (action,))
    if isinstance(event, t.Payment) and product_of(event) is not None:
        cap = state.of("cap_acceptance")
        if cap is not None and cap.cap is not None and event.amount > cap.cap:
            evidence = {**_evidence(cap), "merchant.cap": float(cap.cap)}
            reason = Reason("MERCHANT_ACCEPTANCE_CAPPED", CAPPED_TEXT, evidence)
            return MerchantVerdict(Outcome.DECLINE, (reason,))
    return MerchantVerdict()


def _evidence(r: MerchantRestriction) -> dict[str, float | str]:
    return {
        "merchant": r.merchant_id,
        "asked_by": ",".join(r.reason_codes),
        "until": r.until.isoformat() if r.until else "release",
    }
