"""Merchant actions in the policy: validation, one restriction per kind, caps on credit-funded
payments, and an analyst's release standing until the original expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from riskline.decisioning import ActionKind, MemoryMerchantBook, Outcome, Policy
from riskline.decisioning.merchant_actions import requested, verdict_for
from riskline.errors import InvalidPolicy
from riskline.events.types import Funding, MerchantPayout, Payment

T = datetime(2026, 3, 1, tzinfo=UTC)


def _policy(*actions: dict[str, object]) -> Policy:
    return Policy.from_mapping(
        {
            "version": "t",
            "checks": [
                {
                    "id": "big",
                    "outcome": "approve",
                    "when": {"all": [{"feature": "event.amount", "op": ">=", "value": 1000}]},
                    "reason": {"code": "BIG_AT_MERCHANT", "text": "Large."},
                    "actions": list(actions),
                }
            ],
        }
    )


def _pay(amount: str, at: datetime = T, funding: Funding = Funding.REVOLVING) -> Payment:
    return Payment(
        event_id=f"p{amount}{at.timestamp()}",
        occurred_at=at,
        account_id="a1",
        merchant_id="m1",
        amount=Decimal(amount),
        funding=funding,
    )


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"kind": "hold_settlement"}, "needs days"),
        ({"kind": "cap_acceptance", "days": 7}, "needs an amount"),
    ],
)
def test_merchant_actions_need_an_expiry_and_a_cap(action: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidPolicy, match=message):
        _policy(action)


def test_a_cap_declines_credit_funded_payments_above_it_until_it_expires() -> None:
    policy = _policy({"kind": "cap_acceptance", "days": 7, "amount": 500})
    book = MemoryMerchantBook()
    ask = _pay("1200.00")
    result = policy.evaluate("payment", {"event.amount": 1200.0})
    new, actions = requested(result.actions, ask, book.state("m1", T), "d1")
    assert [a.kind for a in actions] == [ActionKind.CAP_ACCEPTANCE] and actions[0].applied
    book.impose(new)
    later = T + timedelta(days=1)
    over = verdict_for(_pay("600.00", later), book.state("m1", later))
    assert over.outcome is Outcome.DECLINE
    assert over.reasons[0].code == "MERCHANT_ACCEPTANCE_CAPPED"
    assert over.reasons[0].evidence["asked_by"] == "BIG_AT_MERCHANT"
    under = verdict_for(_pay("400.00", later), book.state("m1", later))
    assert under.outcome is Outcome.APPROVE
    wallet = _pay("600.00", later, Funding.BANK_CARD)  # not credit-funded: not ours to cap
    assert verdict_for(wallet, book.state("m1", later)).outcome is Outcome.APPROVE
    expired = T + timedelta(days=8)
    assert (
        verdict_for(_pay("600.00", expired), book.state("m1", expired)).outcome is Outcome.APPROVE
    )


def test_a_second_ask_while_held_and_after_a_release_changes_nothing() -> None:
    policy = _policy({"kind": "hold_settlement", "days": 14})
    book = MemoryMerchantBook()
    specs = policy.evaluate("payment", {"event.amount": 5000.0}).actions
    new, _ = requested(specs, _pay("5000.00"), book.state("m1", T), "d1")
    book.impose(new)
    t1 = T + timedelta(days=1)
    again, actions = requested(specs, _pay("5000.00", t1), book.state("m1", t1), "d2")
    assert again == [] and actions[0].note == "already in force" and not actions[0].applied
    book.release("m1", "hold_settlement", t1)
    payout = MerchantPayout(
        event_id="po", occurred_at=t1, merchant_id="m1", card_hash="c", amount=Decimal("9")
    )
    assert verdict_for(payout, book.state("m1", t1)).outcome is Outcome.APPROVE
    t2 = T + timedelta(days=2)
    quiet, actions = requested(specs, _pay("5000.00", t2), book.state("m1", t2), "d3")
    assert quiet == [] and "released by an analyst" in actions[0].note
    t3 = T + timedelta(days=15)  # the released hold's expiry has passed: new evidence holds
    fresh, _ = requested(specs, _pay("5000.00", t3), book.state("m1", t3), "d4")
    assert [r.decision_id for r in fresh] == ["d4"]
