"""Wire schema: pydantic models for untrusted event input, and conversion to domain types.

Only this module turns outside data into :mod:`riskline.events.types`. Phone, ID and
card numbers are hashed here and nowhere else.

Parsing is strict where lax parsing would silently change a value: amounts are plain ASCII
decimals (``"12.50"`` or a JSON number; not ``"1_000"``, ``" 12.50 "``, fullwidth or
Arabic-Indic digits), timestamps are ISO 8601 text with a timezone (not epoch numbers) between
:data:`EARLIEST` and :data:`LATEST` (the engine also refuses events more than
``max_future_skew`` ahead of its clock), and JSON text with a repeated key is refused
(:func:`loads_strict`) instead of keeping the last value.

>>> from riskline.events.pii import PiiHasher
>>> ev = parse_event({"type": "payment", "event_id": "e1",
...     "occurred_at": "2026-01-01T10:00:00Z", "account_id": "a1",
...     "merchant_id": "m1", "amount": "12.50"}, PiiHasher(b"secret-key"))
>>> ev.amount, ev.funding.value
(Decimal('12.50'), 'revolving')
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)
from pydantic import ValidationError as PydanticValidationError

from riskline.errors import InvalidEvent
from riskline.events import types as t
from riskline.events.pii import PiiHasher

__all__ = [
    "EVENT_ADAPTER",
    "ID_PATTERN",
    "WireEvent",
    "event_json_schema",
    "parse_event",
    "validation_details",
]

MAX_AMOUNT = Decimal("1000000000")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No event, payment or due date before this is accepted."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Nor on or after this (the engine's clock check is the tighter bound for event times)."""
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")

ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,128}$"
"""Entity ids (accounts, persons, devices, merchants, ...): ASCII letters, digits and ``_.:@-``."""
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Ip = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[0-9A-Fa-f.:]+$")]
LABEL_PATTERN = r"^[ -~]{1,64}$"
"""Payment labels (channel, merchant category, location): printable ASCII, 1-64 characters."""
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=LABEL_PATTERN),
]


def _ascii_decimal(value: object) -> object:
    """Let a JSON number through; a string only if it is a plain ASCII decimal."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError(
            "must be a plain decimal such as 12.50: ASCII digits and one point, "
            "no spaces, signs other than a leading minus, separators or other digits"
        )
    return value


def _timestamp_text(value: object) -> object:
    if isinstance(value, int | float):
        raise ValueError("timestamp must be ISO 8601 text with a timezone, not a number")
    return value


def _in_range(day: date) -> None:
    if not EARLIEST.date() <= day < LATEST.date():
        raise ValueError(
            f"must be from {EARLIEST.date().isoformat()} up to (not including) "
            f"{LATEST.date().isoformat()}"
        )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a timezone (e.g. 2026-01-01T10:00:00Z)")
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+00:01 is before year 1 in UTC
        raise ValueError("timestamp is out of range once converted to UTC") from None
    _in_range(value.date())
    return value


def _day(value: date) -> date:
    _in_range(value)
    return value


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("amount must be a finite number")
    if value <= 0:
        raise ValueError("amount must be greater than zero")
    return _bounded(value)


def _money_or_zero(value: Decimal) -> Decimal:
    """Zero is a real amount of a card authorisation (a card check) and of a zero refund."""
    if not value.is_finite():
        raise ValueError("amount must be a finite number")
    if value < 0:
        raise ValueError("amount must not be negative")
    return _bounded(value)


def _bounded(value: Decimal) -> Decimal:
    if value > MAX_AMOUNT:
        raise ValueError(f"amount must not exceed {MAX_AMOUNT}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("amount must have at most two decimal places")
    return value.quantize(Decimal("0.01"))


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


AsciiDecimal = Annotated[Decimal, BeforeValidator(_ascii_decimal)]
"""A Decimal from a JSON number or a plain ASCII decimal string (``"12.50"``), nothing laxer."""
Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text), AfterValidator(_aware)]
Day = Annotated[date, AfterValidator(_day)]
Money = Annotated[AsciiDecimal, AfterValidator(_money)]
MoneyOrZero = Annotated[AsciiDecimal, AfterValidator(_money_or_zero)]
"""Money where zero is meaningful: payments (card authorisations) and refunds."""
Score = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Fingerprint = Annotated[
    dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], str | int | float | bool],
    Field(max_length=64),
]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    event_id: Id
    occurred_at: Timestamp

    def _common(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "occurred_at": self.occurred_at}

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        """Convert to the frozen domain type, hashing personal identifiers."""
        raise NotImplementedError  # pragma: no cover - every subclass overrides


class AccountOpenedIn(_Base):
    """Wire form of :class:`riskline.events.types.AccountOpened`."""

    type: Literal["account_opened"]
    account_id: Id
    person_id: Id
    phone: Annotated[str, StringConstraints(max_length=32)]
    id_number: Annotated[str, StringConstraints(max_length=40)]
    device_id: Id | None = None
    ip: Ip | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.AccountOpened(
            **self._common(),
            account_id=self.account_id,
            person_id=self.person_id,
            phone_hash=hasher.phone(self.phone),
            id_hash=hasher.id_number(self.id_number),
            device_id=self.device_id,
            ip=self.ip,
            phone_block_hash=hasher.phone_block(self.phone),
        )


class LoginIn(_Base):
    """Wire form of :class:`riskline.events.types.Login`."""

    type: Literal["login"]
    account_id: Id
    device_id: Id
    ip: Ip | None = None
    geo: Annotated[str, StringConstraints(max_length=64)] | None = None
    fingerprint: Fingerprint = Field(default_factory=dict)

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        components = {k: str(v)[:512] for k, v in sorted(self.fingerprint.items())}
        return t.Login(
            **self._common(),
            account_id=self.account_id,
            device_id=self.device_id,
            ip=self.ip,
            geo=self.geo,
            fingerprint=MappingProxyType(components),
        )


class IdentityVerifiedIn(_Base):
    """Wire form of :class:`riskline.events.types.IdentityVerified`."""

    type: Literal["identity_verified"]
    account_id: Id
    method: t.VerificationMethod
    score: Score
    passed: bool
    device_id: Id | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.IdentityVerified(
            **self._common(),
            account_id=self.account_id,
            method=self.method,
            score=self.score,
            passed=self.passed,
            device_id=self.device_id,
        )


class PaymentIn(_Base):
    """Wire form of :class:`riskline.events.types.Payment`."""

    type: Literal["payment"]
    account_id: Id
    merchant_id: Id
    amount: MoneyOrZero
    currency: Currency = "CNY"
    funding: t.Funding = t.Funding.REVOLVING
    device_id: Id | None = None
    ip: Ip | None = None
    channel: Label | None = None
    merchant_category: Label | None = None
    location: Label | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.Payment(**self._common(), **self.model_dump(exclude={"type", *_COMMON}))


class RefundIn(_Base):
    """Wire form of :class:`riskline.events.types.Refund`."""

    type: Literal["refund"]
    account_id: Id
    merchant_id: Id
    amount: MoneyOrZero
    currency: Currency = "CNY"
    payment_event_id: Id | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.Refund(**self._common(), **self.model_dump(exclude={"type", *_COMMON}))


class TransferIn(_Base):
    """Wire form of :class:`riskline.events.types.Transfer`; exactly one destination."""

    type: Literal["transfer"]
    account_id: Id
    amount: Money
    currency: Currency = "CNY"
    to_account_id: Id | None = None
    to_card: Annotated[str, StringConstraints(max_length=32)] | None = None
    device_id: Id | None = None
    ip: Ip | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        if (self.to_account_id is None) == (self.to_card is None):
            raise ValueError("a transfer needs exactly one of to_account_id or to_card")
        return t.Transfer(
            **self._common(),
            account_id=self.account_id,
            amount=self.amount,
            currency=self.currency,
            to_account_id=self.to_account_id,
            to_card_hash=hasher.card(self.to_card) if self.to_card else None,
            device_id=self.device_id,
            ip=self.ip,
        )


class MerchantRegisteredIn(_Base):
    """Wire form of :class:`riskline.events.types.MerchantRegistered`."""

    type: Literal["merchant_registered"]
    merchant_id: Id
    owner_person_id: Id
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    card: Annotated[str, StringConstraints(max_length=32)] | None = None
    device_id: Id | None = None
    ip: Ip | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.MerchantRegistered(
            **self._common(),
            merchant_id=self.merchant_id,
            owner_person_id=self.owner_person_id,
            category=self.category,
            card_hash=hasher.card(self.card) if self.card else None,
            device_id=self.device_id,
            ip=self.ip,
        )


class MerchantPayoutIn(_Base):
    """Wire form of :class:`riskline.events.types.MerchantPayout`."""

    type: Literal["merchant_payout"]
    merchant_id: Id
    card: Annotated[str, StringConstraints(max_length=32)]
    amount: Money
    currency: Currency = "CNY"

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.MerchantPayout(
            **self._common(),
            merchant_id=self.merchant_id,
            card_hash=hasher.card(self.card),
            amount=self.amount,
            currency=self.currency,
        )


class LoanApplicationIn(_Base):
    """Wire form of :class:`riskline.events.types.LoanApplication`."""

    type: Literal["loan_application"]
    account_id: Id
    product: t.Product
    amount: Money
    channel: t.Channel = t.Channel.INTERNAL
    platform: Id | None = None
    device_id: Id | None = None
    ip: Ip | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        if self.product is t.Product.ENTERPRISE_CREDIT:
            raise ValueError("enterprise credit uses enterprise_loan_application")
        return t.LoanApplication(**self._common(), **self.model_dump(exclude={"type", *_COMMON}))


class LoanDrawdownIn(_Base):
    """Wire form of :class:`riskline.events.types.LoanDrawdown`."""

    type: Literal["loan_drawdown"]
    account_id: Id
    product: t.Product
    amount: Money
    card: Annotated[str, StringConstraints(max_length=32)] | None = None
    device_id: Id | None = None
    ip: Ip | None = None

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.LoanDrawdown(
            **self._common(),
            account_id=self.account_id,
            product=self.product,
            amount=self.amount,
            card_hash=hasher.card(self.card) if self.card else None,
            device_id=self.device_id,
            ip=self.ip,
        )


class RepaymentIn(_Base):
    """Wire form of :class:`riskline.events.types.Repayment`."""

    type: Literal["repayment"]
    account_id: Id
    product: t.Product
    amount: Money
    due_date: Day
    paid_at: Timestamp

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.Repayment(**self._common(), **self.model_dump(exclude={"type", *_COMMON}))


class BillOverdueIn(_Base):
    """Wire form of :class:`riskline.events.types.BillOverdue`."""

    type: Literal["bill_overdue"]
    account_id: Id
    product: t.Product
    amount_due: Money
    due_date: Day
    days_overdue: Annotated[int, Field(ge=1, le=3650)]

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.BillOverdue(**self._common(), **self.model_dump(exclude={"type", *_COMMON}))


class EnterpriseRoleIn(BaseModel):
    """One party's role in an enterprise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    party_id: Id
    role: t.RoleKind
    party_kind: Literal["person", "enterprise"] = "person"
    share: Annotated[AsciiDecimal, Field(gt=0, le=1)] | None = None


class EnterpriseRegisteredIn(_Base):
    """Wire form of :class:`riskline.events.types.EnterpriseRegistered`."""

    type: Literal["enterprise_registered"]
    enterprise_id: Id
    name: Text
    roles: Annotated[list[EnterpriseRoleIn], Field(min_length=1, max_length=200)]
    spv: bool = False

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        shares = sum((r.share or Decimal(0)) for r in self.roles if r.role == "shareholder")
        if shares > 1:
            raise ValueError("shareholder shares add up to more than 1")
        roles = tuple(
            t.EnterpriseRole(
                party_id=r.party_id, role=r.role, party_kind=r.party_kind, share=r.share
            )
            for r in self.roles
        )
        return t.EnterpriseRegistered(
            **self._common(),
            enterprise_id=self.enterprise_id,
            name=self.name,
            roles=roles,
            spv=self.spv,
        )


class EnterpriseLoanApplicationIn(_Base):
    """Wire form of :class:`riskline.events.types.EnterpriseLoanApplication`."""

    type: Literal["enterprise_loan_application"]
    enterprise_id: Id
    amount: Money
    purpose: Literal["working_capital", "project_finance"] = "working_capital"

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        return t.EnterpriseLoanApplication(
            **self._common(),
            enterprise_id=self.enterprise_id,
            amount=self.amount,
            purpose=self.purpose,
        )


class BureauReportIn(_Base):
    """Wire form of :class:`riskline.events.types.BureauReport`."""

    type: Literal["bureau_report"]
    person_id: Id
    inquiries_30d: Count
    inquiries_90d: Count
    overdue_accounts: Count = 0
    overdue_amount: Annotated[AsciiDecimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)] = (
        Decimal(0)
    )
    source: Id = "bureau"

    def to_domain(self, hasher: PiiHasher) -> t.Event:
        if self.inquiries_90d < self.inquiries_30d:
            raise ValueError("inquiries_90d cannot be fewer than inquiries_30d")
        return t.BureauReport(**self._common(), **self.model_dump(exclude={"type", *_COMMON}))


_COMMON = {"event_id", "occurred_at"}

WireEvent = Annotated[
    AccountOpenedIn
    | LoginIn
    | IdentityVerifiedIn
    | PaymentIn
    | RefundIn
    | TransferIn
    | MerchantRegisteredIn
    | MerchantPayoutIn
    | LoanApplicationIn
    | LoanDrawdownIn
    | RepaymentIn
    | BillOverdueIn
    | EnterpriseRegisteredIn
    | EnterpriseLoanApplicationIn
    | BureauReportIn,
    Field(discriminator="type"),
]
"""Any event as it arrives on the wire, discriminated by ``type``."""

EVENT_ADAPTER: TypeAdapter[WireEvent] = TypeAdapter(WireEvent)


def validation_details(err: PydanticValidationError) -> list[dict[str, Any]]:
    """Field-level messages from a pydantic error, without echoing input values."""
    return [
        {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in err.errors(include_url=False, include_input=False)
    ]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears more than once in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON input")


def loads_strict(raw: bytes | str) -> Any:
    """JSON text as Python values; ``ValueError`` for a repeated key, NaN or Infinity.

    >>> loads_strict('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ValueError: the key 'a' appears more than once in one object
    """
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def parse_event(data: Mapping[str, Any] | bytes | str, hasher: PiiHasher) -> t.Event:
    """Validate one event from a mapping or JSON text and return its domain form.

    Raises :class:`~riskline.errors.InvalidEvent` with field-level details.
    """
    try:
        if isinstance(data, bytes | str):
            data = loads_strict(data)
        if not isinstance(data, Mapping):
            raise ValueError("an event must be a JSON object")
        wire = EVENT_ADAPTER.validate_python(data)
        return wire.to_domain(hasher)
    except PydanticValidationError as err:
        details = validation_details(err)
        raise InvalidEvent(_summary(details), details=details) from None
    except ValueError as err:
        raise InvalidEvent(
            str(err), details=[{"loc": [], "msg": str(err), "type": "value_error"}]
        ) from None


def _summary(details: list[dict[str, Any]]) -> str:
    first = details[0]
    where = ".".join(first["loc"]) or "event"
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def event_json_schema() -> dict[str, Any]:
    """JSON Schema of every accepted event type."""
    return EVENT_ADAPTER.json_schema()
