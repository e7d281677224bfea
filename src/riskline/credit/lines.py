"""Credit lines and their state machine.

::

    active ──cut_limit──> limited ──restore_limit──> active
    active|limited ──freeze──> frozen ──reinstate──> active   (full limit restored)
                                      ──close──────> closed   (final)
    frozen ──freeze──> frozen  (extends the freeze)     active ──set_limit──> active

Every change returns a new line and a :class:`LineChange` for the history.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> line = CreditLine.open("l1", "a1", "account", Product.REVOLVING, Decimal(5000), t0)
>>> cut, change = apply(line, CutLimit(Decimal(1000)), Actor.engine(), ("R1",), "d1", t0)
>>> cut.status.value, cut.limit, cut.previous_limit
('limited', Decimal('1000'), Decimal('5000'))
>>> apply(cut, RestoreLimit(), Actor.engine(), (), None, t0)[0].limit
Decimal('5000')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from riskline.errors import IllegalTransition, InvalidInput
from riskline.events.types import Product

__all__ = [
    "Actor",
    "Close",
    "CreditLine",
    "CutLimit",
    "Freeze",
    "LineChange",
    "LineCommand",
    "LineStatus",
    "Reinstate",
    "RestoreLimit",
    "SetLimit",
    "apply",
    "expire_freeze",
]


class LineStatus(StrEnum):
    """Where a line is in its life."""

    ACTIVE = "active"
    LIMITED = "limited"
    FROZEN = "frozen"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed a line: the engine, an analyst, an appeal or the system clock."""

    kind: str
    id: str

    @classmethod
    def engine(cls) -> Actor:
        """The decision engine."""
        return cls("engine", "engine")

    @classmethod
    def system(cls) -> Actor:
        """Scheduled housekeeping (e.g. freeze expiry)."""
        return cls("system", "system")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class CreditLine:
    """A credit line of one owner (account or enterprise) for one product."""

    line_id: str
    owner_id: str
    owner_kind: str
    product: Product
    status: LineStatus
    limit: Decimal
    outstanding: Decimal
    opened_at: datetime
    updated_at: datetime
    previous_limit: Decimal | None = None
    frozen_until: datetime | None = None
    review_at: datetime | None = None
    currency: str = "CNY"
    version: int = 1

    @classmethod
    def open(
        cls,
        line_id: str,
        owner_id: str,
        owner_kind: str,
        product: Product,
        limit: Decimal,
        at: datetime,
    ) -> CreditLine:
        """A new active line with nothing drawn."""
        if limit < 0:
            raise InvalidInput("a credit limit cannot be negative")
        return cls(
            line_id, owner_id, owner_kind, product, LineStatus.ACTIVE, limit, Decimal(0), at, at
        )

    @property
    def available(self) -> Decimal:
        """What can still be drawn: zero unless active or limited."""
        if self.status not in (LineStatus.ACTIVE, LineStatus.LIMITED):
            return Decimal(0)
        return max(Decimal(0), self.limit - self.outstanding)

    def draw(self, amount: Decimal, at: datetime) -> CreditLine:
        """Use ``amount`` of the line; the caller has checked :attr:`available`."""
        return replace(
            self, outstanding=self.outstanding + amount, updated_at=at, version=self.version + 1
        )

    def repay(self, amount: Decimal, at: datetime) -> CreditLine:
        """Pay back up to the outstanding balance."""
        left = max(Decimal(0), self.outstanding - amount)
        return replace(self, outstanding=left, updated_at=at, version=self.version + 1)


@dataclass(frozen=True, slots=True)
class Freeze:
    """Stop all use for ``days``; review after ``review_days``."""

    days: int
    review_days: int = 7
    name = "freeze"


@dataclass(frozen=True, slots=True)
class CutLimit:
    """Lower the limit to ``to``, remembering the old one."""

    to: Decimal
    name = "cut_limit"


@dataclass(frozen=True, slots=True)
class RestoreLimit:
    """Give back the remembered limit."""

    name = "restore_limit"


@dataclass(frozen=True, slots=True)
class Reinstate:
    """Lift a freeze; the full remembered limit comes back."""

    name = "reinstate"


@dataclass(frozen=True, slots=True)
class Close:
    """End a frozen line for good."""

    name = "close"


@dataclass(frozen=True, slots=True)
class SetLimit:
    """Move an active line's limit (periodic review, limit raise)."""

    to: Decimal
    name = "set_limit"


LineCommand = Freeze | CutLimit | RestoreLimit | Reinstate | Close | SetLimit


@dataclass(frozen=True, slots=True)
class LineChange:
    """One entry of a line's history."""

    line_id: str
    action: str
    from_status: LineStatus
    to_status: LineStatus
    limit_before: Decimal
    limit_after: Decimal
    actor: Actor
    reasons: tuple[str, ...]
    decision_id: str | None
    at: datetime


_ALLOWED: dict[str, frozenset[LineStatus]] = {
    "freeze": frozenset({LineStatus.ACTIVE, LineStatus.LIMITED, LineStatus.FROZEN}),
    "cut_limit": frozenset({LineStatus.ACTIVE, LineStatus.LIMITED}),
    "restore_limit": frozenset({LineStatus.LIMITED}),
    "reinstate": frozenset({LineStatus.FROZEN}),
    "close": frozenset({LineStatus.FROZEN}),
    "set_limit": frozenset({LineStatus.ACTIVE}),
}


def _next(line: CreditLine, cmd: LineCommand, at: datetime) -> CreditLine:
    full = line.previous_limit if line.previous_limit is not None else line.limit
    match cmd:
        case Freeze(days=days, review_days=review_days):
            if days < 1 or review_days < 0:
                raise InvalidInput("freeze needs days >= 1 and review_days >= 0")
            until = at + timedelta(days=days)
            if line.frozen_until is not None and line.frozen_until > until:
                until = line.frozen_until
            review = at + timedelta(days=min(review_days, days))
            return replace(line, status=LineStatus.FROZEN, frozen_until=until, review_at=review)
        case CutLimit(to=to):
            if to < 0 or to >= line.limit:
                raise InvalidInput(
                    f"a limit cut must go below the current limit {line.limit} and not below 0"
                )
            return replace(line, status=LineStatus.LIMITED, limit=to, previous_limit=full)
        case RestoreLimit() | Reinstate():
            return replace(
                line,
                status=LineStatus.ACTIVE,
                limit=full,
                previous_limit=None,
                frozen_until=None,
                review_at=None,
            )
        case Close():
            return replace(line, status=LineStatus.CLOSED, frozen_until=None, review_at=None)
        case SetLimit(to=to):
            if to < 0:
                raise InvalidInput("a credit limit cannot be negative")
            return replace(line, limit=to)
    raise InvalidInput(f"unknown line command {cmd!r}")  # pragma: no cover


def apply(
    line: CreditLine,
    cmd: LineCommand,
    actor: Actor,
    reasons: tuple[str, ...],
    decision_id: str | None,
    at: datetime,
) -> tuple[CreditLine, LineChange]:
    """Apply ``cmd``; raise :class:`IllegalTransition` if the line's state forbids it."""
    if line.status not in _ALLOWED[cmd.name]:
        raise IllegalTransition(f"cannot {cmd.name} a {line.status.value} line ({line.line_id})")
    new = _next(line, cmd, at)
    new = replace(new, updated_at=at, version=line.version + 1)
    change = LineChange(
        line.line_id,
        cmd.name,
        line.status,
        new.status,
        line.limit,
        new.limit,
        actor,
        reasons,
        decision_id,
        at,
    )
    return new, change


def expire_freeze(line: CreditLine, now: datetime) -> tuple[CreditLine, LineChange] | None:
    """Reinstate a frozen line whose freeze has run out; ``None`` if nothing to do."""
    if line.status is not LineStatus.FROZEN or line.frozen_until is None or line.frozen_until > now:
        return None
    return apply(line, Reinstate(), Actor.system(), ("FREEZE_EXPIRED",), None, now)
