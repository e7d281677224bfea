"""Domain types of the consortium blacklist: reasons, entries, disputes, case outcomes.

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> e = Entry("e1", "ph_ab", Reason.CASH_OUT, "bank-a", "case:7", t0, t0 + timedelta(days=30))
>>> e.publishable(t0), e.publishable(t0 + timedelta(days=30))
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from riskline.errors import Forbidden, InvalidInput

__all__ = [
    "ConfirmedOutcome",
    "DisputeState",
    "Entry",
    "Hit",
    "Reason",
    "check_outcome",
]


class Reason(StrEnum):
    """Why an identifier is on the consortium list (the consortium's shared categories)."""

    CASH_OUT = "cash_out"
    FAKE_TRANSACTIONS = "fake_transactions"
    IDENTITY_FRAUD = "identity_fraud"
    LOAN_DEFAULT_FRAUD = "loan_default_fraud"
    ACCOUNT_TAKEOVER = "account_takeover"
    MONEY_MULE = "money_mule"


class DisputeState(StrEnum):
    """Where an entry stands with its data subject.

    ``none`` → ``open`` (subject disputes; the entry is not published while under review)
    → ``upheld`` (source confirmed it; published again) or ``withdrawn`` (never published again).
    """

    NONE = "none"
    OPEN = "open"
    UPHELD = "upheld"
    WITHDRAWN = "withdrawn"


class ConfirmedOutcome(Protocol):
    """What filing needs from a closed case: who decided, who approved, was fraud confirmed.

    ``riskline.cases`` closes a case with four-eyes; any object with these attributes works.
    """

    @property
    def case_id(self) -> str: ...

    @property
    def analyst(self) -> str: ...

    @property
    def approver(self) -> str: ...

    @property
    def confirmed(self) -> bool: ...


def check_outcome(outcome: ConfirmedOutcome) -> None:
    """Refuse filing unless the case outcome is confirmed fraud approved by a second person."""
    if not outcome.case_id:
        raise InvalidInput("filing needs the id of the case that confirmed the fraud")
    if not outcome.confirmed:
        raise Forbidden(f"case {outcome.case_id}: the outcome is not a confirmed fraud")
    if not outcome.analyst or not outcome.approver:
        raise Forbidden(f"case {outcome.case_id}: both an analyst and an approver are required")
    if outcome.analyst == outcome.approver:
        raise Forbidden(f"case {outcome.case_id}: four-eyes: the approver must not be the analyst")


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed identifier (a consortium token, never a clear value) filed by this member."""

    entry_id: str
    token: str
    reason: Reason
    source: str
    evidence: str
    filed_at: datetime
    expires_at: datetime
    dispute: DisputeState = DisputeState.NONE
    case_id: str = ""

    def publishable(self, now: datetime) -> bool:
        """In force at ``now`` and not under (or lost in) a dispute."""
        live = self.filed_at <= now < self.expires_at
        return live and self.dispute in (DisputeState.NONE, DisputeState.UPHELD)


@dataclass(frozen=True, slots=True)
class Hit:
    """A match found by a private query: which of my applicants, which member, which list."""

    ref: str
    kind: str
    token: str
    member: str
    reason: Reason
