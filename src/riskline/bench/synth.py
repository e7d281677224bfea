"""A small seeded event-history generator for feature tests and benchmarks (not the simulator).

Arrival order is the list order; ``disorder`` delays some events (out of order, mostly within
the lateness bound, a few beyond it).

>>> evs = generate_history(200, seed=1)
>>> len(evs), evs[0].type
(200, 'account_opened')
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from riskline.events import types as t

__all__ = ["generate_history"]

T0 = datetime(2026, 3, 1, tzinfo=UTC)
_KINDS = (
    ["login"] * 4
    + ["payment"] * 8
    + ["loan_application"] * 2
    + ["loan_drawdown", "repayment", "transfer", "identity_verified", "refund"]
    + ["merchant_payout", "bill_overdue", "bureau_report", "enterprise_loan_application"]
)


class _World:
    def __init__(self, rng: random.Random, n_accounts: int, seed: int = 0) -> None:
        self.rng = rng
        # payment labels from their own stream, so the other events stay what they were
        self.label_rng = random.Random(f"labels-{seed}")
        # zero-amount card checks from a third stream, for the same reason
        self.check_rng = random.Random(f"card-checks-{seed}")
        self.accounts = [f"a{i}" for i in range(n_accounts)]
        self.persons = [f"p{i}" for i in range(max(1, n_accounts * 3 // 4))]
        self.devices = [f"d{i}" for i in range(max(1, n_accounts // 2))]
        self.ips = [f"10.0.{i // 250}.{i % 250}" for i in range(max(1, n_accounts // 3))]
        self.merchants = [f"m{i}" for i in range(max(2, n_accounts // 10))]
        self.cards = [f"c{i}" for i in range(max(2, n_accounts // 5))]
        self.n = 0

    def pick(self, xs: list[str]) -> str:
        return (
            xs[min(int(self.rng.paretovariate(1.2)) - 1, len(xs) - 1)]
            if self.rng.random() < 0.3
            else self.rng.choice(xs)
        )

    def amount(self) -> Decimal:
        if self.rng.random() < 0.2:
            return Decimal(self.rng.randint(1, 50) * 100)
        return Decimal(self.rng.randint(100, 500_000)) / 100

    def card_check(self, amount: Decimal) -> Decimal:
        """``amount``, or zero for the few payments that are card checks (authorisations)."""
        return Decimal("0.00") if self.check_rng.random() < 0.03 else amount

    def labels(self) -> dict[str, str]:
        """Optional payment labels: each present on most payments, absent on some."""
        r = self.label_rng
        named = {
            "channel": r.choice(("pos", "ecommerce", "atm")),
            "merchant_category": f"mcc{r.choice((5411, 5812, 5999, 4829))}",
            "location": f"L{min(int(r.paretovariate(1.5)), 12)}",
        }
        return {k: v for k, v in named.items() if r.random() < 0.8}

    def base(self, at: datetime) -> dict[str, Any]:
        self.n += 1
        return {"event_id": f"e{self.n}", "occurred_at": at}


def _setup(w: _World, at: datetime) -> list[t.Event]:
    out: list[t.Event] = []
    for i, acc in enumerate(w.accounts):
        out.append(
            t.AccountOpened(
                **w.base(at + timedelta(seconds=i)),
                account_id=acc,
                person_id=w.pick(w.persons),
                phone_hash=f"ph{w.rng.randrange(len(w.accounts))}",
                id_hash=f"id{w.rng.randrange(len(w.persons))}",
                device_id=w.pick(w.devices),
                ip=w.pick(w.ips),
            )
        )
    for m in w.merchants:
        out.append(
            t.MerchantRegistered(
                **w.base(at),
                merchant_id=m,
                owner_person_id=w.pick(w.persons),
                category="retail",
                card_hash=w.pick(w.cards),
            )
        )
    out.append(t.EnterpriseRegistered(**w.base(at), enterprise_id="ent1", name="E", roles=()))
    return out


def _event(w: _World, kind: str, at: datetime) -> t.Event:
    r, b = w.rng, w.base(at)
    acc, dev, ip = w.pick(w.accounts), w.pick(w.devices), w.pick(w.ips)
    if kind == "login":
        return t.Login(**b, account_id=acc, device_id=dev, ip=ip)
    if kind == "payment":
        funding = r.choice(list(t.Funding))
        labels = w.labels()
        return t.Payment(
            **b,
            account_id=acc,
            merchant_id=w.pick(w.merchants),
            amount=w.card_check(w.amount()),
            funding=funding,
            device_id=dev,
            ip=ip,
            channel=labels.get("channel"),
            merchant_category=labels.get("merchant_category"),
            location=labels.get("location"),
        )
    if kind == "loan_application":
        return t.LoanApplication(
            **b,
            account_id=acc,
            product=t.Product.CASH_LOAN,
            amount=w.amount(),
            channel=r.choice(list(t.Channel)),
            device_id=dev,
            ip=ip,
        )
    if kind == "loan_drawdown":
        # the first account draws enterprise credit (no extra random draw: the rest of the
        # history stays what it was), so enterprise-only features see some
        credit = t.Product.ENTERPRISE_CREDIT if acc == w.accounts[0] else t.Product.CASH_LOAN
        return t.LoanDrawdown(
            **b,
            account_id=acc,
            product=credit,
            amount=w.amount(),
            card_hash=w.pick(w.cards),
            device_id=dev,
            ip=ip,
        )
    if kind == "repayment":
        due = date(2026, 3, 1) + timedelta(days=r.randrange(60))
        return t.Repayment(
            **b,
            account_id=acc,
            product=t.Product.REVOLVING,
            amount=w.amount(),
            due_date=due,
            paid_at=at,
        )
    if kind == "transfer":
        return t.Transfer(
            **b,
            account_id=acc,
            amount=w.amount(),
            to_card_hash=w.pick(w.cards),
            device_id=dev,
            ip=ip,
        )
    if kind == "identity_verified":
        return t.IdentityVerified(
            **b,
            account_id=acc,
            method=r.choice(list(t.VerificationMethod)),
            score=r.random(),
            passed=r.random() < 0.8,
            device_id=dev,
        )
    if kind == "refund":
        return t.Refund(**b, account_id=acc, merchant_id=w.pick(w.merchants), amount=w.amount())
    if kind == "merchant_payout":
        return t.MerchantPayout(
            **b,
            merchant_id=w.pick(w.merchants),
            card_hash=w.pick(w.cards),
            amount=w.amount(),
        )
    if kind == "bill_overdue":
        return t.BillOverdue(
            **b,
            account_id=acc,
            product=t.Product.REVOLVING,
            amount_due=w.amount(),
            due_date=date(2026, 3, 1),
            days_overdue=r.randrange(1, 90),
        )
    if kind == "bureau_report":
        return t.BureauReport(
            **b,
            person_id=w.pick(w.persons),
            inquiries_30d=r.randrange(10),
            inquiries_90d=r.randrange(20),
            overdue_accounts=r.randrange(3),
        )
    return t.EnterpriseLoanApplication(**b, enterprise_id="ent1", amount=w.amount())


def generate_history(
    n_events: int,
    *,
    seed: int = 0,
    n_accounts: int = 200,
    mean_gap_seconds: float = 120.0,
    disorder: float = 0.05,
    max_delay: timedelta = timedelta(hours=30),
) -> list[t.Event]:
    """``n_events`` events in arrival order over simulated time starting 2026-03-01 UTC."""
    rng = random.Random(seed)
    w = _World(rng, n_accounts, seed)
    events = _setup(w, T0)
    at = T0 + timedelta(seconds=len(events))
    delay_s = int(max_delay.total_seconds())
    while len(events) < n_events:
        at += timedelta(seconds=rng.expovariate(1.0 / mean_gap_seconds))
        when = at - timedelta(seconds=rng.randrange(delay_s)) if rng.random() < disorder else at
        events.append(_event(w, rng.choice(_KINDS), when.replace(microsecond=0)))
    return events[:n_events]
