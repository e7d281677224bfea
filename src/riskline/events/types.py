"""Domain event types: small frozen dataclasses, already validated and PII-hashed.

These are what flows inside Riskline. The wire format (pydantic models) lives in
:mod:`riskline.events.schema`; only it constructs these from untrusted input.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> e = Payment(event_id="e1", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
...             account_id="a1", merchant_id="m1", amount=Decimal("10.00"))
>>> e.type, e.entities()
('payment', (('account', 'a1'), ('merchant', 'm1')))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

__all__ = [
    "AccountOpened",
    "BillOverdue",
    "BureauReport",
    "Channel",
    "EnterpriseLoanApplication",
    "EnterpriseRegistered",
    "EnterpriseRole",
    "Event",
    "Funding",
    "IdentityVerified",
    "LoanApplication",
    "LoanDrawdown",
    "Login",
    "MerchantPayout",
    "MerchantRegistered",
    "Payment",
    "Product",
    "Refund",
    "Repayment",
    "RoleKind",
    "Transfer",
    "VerificationMethod",
    "is_round_amount",
]

_EMPTY: Mapping[str, str] = MappingProxyType({})


class Product(StrEnum):
    """Credit products a line can belong to."""

    REVOLVING = "revolving"
    CASH_LOAN = "cash_loan"
    ENTERPRISE_CREDIT = "enterprise_credit"


class Funding(StrEnum):
    """How a payment was funded."""

    REVOLVING = "revolving"
    CASH_BALANCE = "cash_balance"
    BANK_CARD = "bank_card"


class Channel(StrEnum):
    """Where a loan application was made."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class VerificationMethod(StrEnum):
    """How an identity was verified."""

    FACE = "face"
    DOCUMENT = "document"
    SMS = "sms"


class RoleKind(StrEnum):
    """A party's role in an enterprise."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    ACTUAL_CONTROLLER = "actual_controller"
    SHAREHOLDER = "shareholder"
    GUARANTOR = "guarantor"
    SPONSOR = "sponsor"


def is_round_amount(amount: Decimal) -> bool:
    """A positive whole hundred (cash-out and fake purchases favour them); zero, a card check or
    authorisation, is not round. The engine's context, the feature catalog's derived field and
    training on a payment history all read this one definition.

    >>> [is_round_amount(Decimal(x)) for x in ("200.00", "0", "199.99")]
    [True, False, False]
    """
    return amount > 0 and amount % 100 == 0


def _refs(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((kind, key) for kind, key in pairs if key)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Common fields: the idempotency key and when it happened (UTC)."""

    type: ClassVar[str] = "event"
    event_id: str
    occurred_at: datetime
    step_up: str | None = None
    """The passed step-up challenge that releases this held event (set only by Riskline's
    release of a challenged event, never accepted from the wire)."""

    def entities(self) -> tuple[tuple[str, str], ...]:
        """The (entity kind, id) pairs this event touches."""
        return ()

    @property
    def subject(self) -> str:
        """The entity a decision on this event is about."""
        return next((key for _, key in self.entities()), self.event_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountOpened(Event):
    """A person opened an account; phone and ID number arrive hashed."""

    type: ClassVar[str] = "account_opened"
    account_id: str
    person_id: str
    phone_hash: str
    id_hash: str
    device_id: str | None = None
    ip: str | None = None
    phone_block_hash: str | None = None
    """The phone number's block of 100, hashed (``PiiHasher.phone_block``): derived from the
    phone when the event is read, so it is left out of the event's fingerprint."""

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(
            ("account", self.account_id),
            ("person", self.person_id),
            ("phone", self.phone_hash),
            ("id", self.id_hash),
            ("device", self.device_id),
            ("ip", self.ip),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Login(Event):
    """An account logged in from a device; raw fingerprint components kept for matching."""

    type: ClassVar[str] = "login"
    account_id: str
    device_id: str
    ip: str | None = None
    geo: str | None = None
    fingerprint: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("account", self.account_id), ("device", self.device_id), ("ip", self.ip))


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityVerified(Event):
    """Result of a face, document or SMS identity check."""

    type: ClassVar[str] = "identity_verified"
    account_id: str
    method: VerificationMethod
    score: float
    passed: bool
    device_id: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("account", self.account_id), ("device", self.device_id))


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment(Event):
    """A purchase by an account at a merchant.

    ``channel`` (e.g. ``pos``, ``ecommerce``), ``merchant_category`` (e.g. an MCC) and
    ``location`` (e.g. a city or region code) are optional labels given by the caller; feature
    definitions read them like any other text field (distinct values, first seen).
    """

    type: ClassVar[str] = "payment"
    account_id: str
    merchant_id: str
    amount: Decimal
    currency: str = "CNY"
    funding: Funding = Funding.REVOLVING
    device_id: str | None = None
    ip: str | None = None
    channel: str | None = None
    merchant_category: str | None = None
    location: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(
            ("account", self.account_id),
            ("merchant", self.merchant_id),
            ("device", self.device_id),
            ("ip", self.ip),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Refund(Event):
    """A merchant refunded (part of) a payment."""

    type: ClassVar[str] = "refund"
    account_id: str
    merchant_id: str
    amount: Decimal
    currency: str = "CNY"
    payment_event_id: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("account", self.account_id), ("merchant", self.merchant_id))


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer(Event):
    """Money sent from an account to another account or to a bank card (hashed)."""

    type: ClassVar[str] = "transfer"
    account_id: str
    amount: Decimal
    currency: str = "CNY"
    to_account_id: str | None = None
    to_card_hash: str | None = None
    device_id: str | None = None
    ip: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(
            ("account", self.account_id),
            ("counterparty", self.to_account_id),
            ("card", self.to_card_hash),
            ("device", self.device_id),
            ("ip", self.ip),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MerchantRegistered(Event):
    """A merchant was onboarded by its owner, with its payout card (hashed)."""

    type: ClassVar[str] = "merchant_registered"
    merchant_id: str
    owner_person_id: str
    category: str
    card_hash: str | None = None
    device_id: str | None = None
    ip: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(
            ("merchant", self.merchant_id),
            ("person", self.owner_person_id),
            ("card", self.card_hash),
            ("device", self.device_id),
            ("ip", self.ip),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MerchantPayout(Event):
    """A merchant settled its balance to a bank card (hashed)."""

    type: ClassVar[str] = "merchant_payout"
    merchant_id: str
    card_hash: str
    amount: Decimal
    currency: str = "CNY"

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("merchant", self.merchant_id), ("card", self.card_hash))


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanApplication(Event):
    """An application for credit, here (internal) or seen at another platform (external)."""

    type: ClassVar[str] = "loan_application"
    account_id: str
    product: Product
    amount: Decimal
    channel: Channel = Channel.INTERNAL
    platform: str | None = None
    device_id: str | None = None
    ip: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("account", self.account_id), ("device", self.device_id), ("ip", self.ip))


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanDrawdown(Event):
    """Money drawn from a credit line, optionally to a bank card (hashed)."""

    type: ClassVar[str] = "loan_drawdown"
    account_id: str
    product: Product
    amount: Decimal
    card_hash: str | None = None
    device_id: str | None = None
    ip: str | None = None

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(
            ("account", self.account_id),
            ("card", self.card_hash),
            ("device", self.device_id),
            ("ip", self.ip),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Repayment(Event):
    """A repayment against a line's bill."""

    type: ClassVar[str] = "repayment"
    account_id: str
    product: Product
    amount: Decimal
    due_date: date
    paid_at: datetime

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("account", self.account_id))


@dataclass(frozen=True, slots=True, kw_only=True)
class BillOverdue(Event):
    """A bill passed its due date unpaid."""

    type: ClassVar[str] = "bill_overdue"
    account_id: str
    product: Product
    amount_due: Decimal
    due_date: date
    days_overdue: int

    def entities(self) -> tuple[tuple[str, str], ...]:
        return _refs(("account", self.account_id))


@dataclass(frozen=True, slots=True)
class EnterpriseRole:
    """A party (person or enterprise) holding a role in an enterprise."""

    party_id: str
    role: RoleKind
    party_kind: str = "person"
    share: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterpriseRegistered(Event):
    """An enterprise and the parties behind it; ``spv`` marks a project-finance vehicle."""

    type: ClassVar[str] = "enterprise_registered"
    enterprise_id: str
    name: str
    roles: tuple[EnterpriseRole, ...]
    spv: bool = False

    def entities(self) -> tuple[tuple[str, str], ...]:
        return (
            ("enterprise", self.enterprise_id),
            *((r.party_kind, r.party_id) for r in self.roles),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterpriseLoanApplication(Event):
    """An enterprise applies for enterprise credit (working capital or project finance)."""

    type: ClassVar[str] = "enterprise_loan_application"
    enterprise_id: str
    amount: Decimal
    purpose: str = "working_capital"
    product: Product = Product.ENTERPRISE_CREDIT

    def entities(self) -> tuple[tuple[str, str], ...]:
        return (("enterprise", self.enterprise_id),)


@dataclass(frozen=True, slots=True, kw_only=True)
class BureauReport(Event):
    """External credit-bureau facts about a person: recent inquiries and overdues."""

    type: ClassVar[str] = "bureau_report"
    person_id: str
    inquiries_30d: int
    inquiries_90d: int
    overdue_accounts: int = 0
    overdue_amount: Decimal = Decimal(0)
    source: str = "bureau"

    def entities(self) -> tuple[tuple[str, str], ...]:
        return (("person", self.person_id),)
