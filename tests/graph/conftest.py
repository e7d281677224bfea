"""Event factories and fixtures for the graph tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from riskline.events import (
    AccountOpened,
    EnterpriseRegistered,
    EnterpriseRole,
    Funding,
    LoanDrawdown,
    Login,
    MerchantPayout,
    MerchantRegistered,
    Payment,
    Product,
    RoleKind,
    Transfer,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Events:
    """Builds domain events with unique ids at ``T0 + day`` days."""

    def __init__(self) -> None:
        self._ids = count()

    def _base(self, day: float) -> dict[str, object]:
        return {"event_id": f"e{next(self._ids)}", "occurred_at": T0 + timedelta(days=day)}

    def opened(
        self,
        acct: str,
        person: str,
        device: str | None = None,
        ip: str | None = None,
        phone: str | None = None,
        day: float = 0,
    ) -> AccountOpened:
        return AccountOpened(
            **self._base(day),
            account_id=acct,
            person_id=person,  # type: ignore[arg-type]
            phone_hash=phone or f"ph-{person}",
            id_hash=f"id-{person}",
            device_id=device,
            ip=ip,
        )

    def login(self, acct: str, device: str, ip: str | None = None, day: float = 0) -> Login:
        return Login(**self._base(day), account_id=acct, device_id=device, ip=ip)  # type: ignore[arg-type]

    def pay(
        self,
        acct: str,
        merchant: str,
        amount: str = "100",
        day: float = 0,
        funding: Funding = Funding.REVOLVING,
    ) -> Payment:
        return Payment(
            **self._base(day),
            account_id=acct,
            merchant_id=merchant,  # type: ignore[arg-type]
            amount=Decimal(amount),
            funding=funding,
        )

    def merchant(
        self, merchant: str, owner: str, card: str | None = None, day: float = 0
    ) -> MerchantRegistered:
        return MerchantRegistered(
            **self._base(day),
            merchant_id=merchant,  # type: ignore[arg-type]
            owner_person_id=owner,
            category="retail",
            card_hash=card,
        )

    def payout(
        self, merchant: str, card: str, amount: str = "95", day: float = 0
    ) -> MerchantPayout:
        return MerchantPayout(
            **self._base(day),
            merchant_id=merchant,
            card_hash=card,  # type: ignore[arg-type]
            amount=Decimal(amount),
        )

    def transfer(
        self,
        acct: str,
        to_acct: str | None = None,
        to_card: str | None = None,
        amount: str = "50",
        day: float = 0,
    ) -> Transfer:
        return Transfer(
            **self._base(day),
            account_id=acct,
            to_account_id=to_acct,  # type: ignore[arg-type]
            to_card_hash=to_card,
            amount=Decimal(amount),
        )

    def drawdown(self, acct: str, card: str, amount: str = "500", day: float = 0) -> LoanDrawdown:
        return LoanDrawdown(
            **self._base(day),
            account_id=acct,
            product=Product.CASH_LOAN,  # type: ignore[arg-type]
            amount=Decimal(amount),
            card_hash=card,
        )

    def enterprise(
        self,
        ent: str,
        roles: list[tuple[str, RoleKind, str, str | None]],
        spv: bool = False,
        day: float = 0,
    ) -> EnterpriseRegistered:
        parsed = tuple(
            EnterpriseRole(pid, role, kind, Decimal(share) if share else None)
            for pid, role, kind, share in roles
        )
        return EnterpriseRegistered(
            **self._base(day),
            enterprise_id=ent,
            name=ent,  # type: ignore[arg-type]
            roles=parsed,
            spv=spv,
        )


@pytest.fixture(scope="session")
def ev() -> Events:
    """A shared event factory (ids stay unique across tests)."""
    return Events()
