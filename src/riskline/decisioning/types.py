"""Decision types: what the engine says about one event, and why.

>>> Outcome.worst([Outcome.APPROVE, Outcome.REVIEW, Outcome.CHALLENGE])
<Outcome.REVIEW: 'review'>
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from riskline.events.types import Product

__all__ = [
    "CREDIT_GATE_CODES",
    "STEP_UP_CODE",
    "Action",
    "ActionKind",
    "Decision",
    "Outcome",
    "Reason",
    "RiskView",
    "decision_id_for",
    "risk_view",
]

_NO_VALUES: Mapping[str, float] = MappingProxyType({})


class Outcome(StrEnum):
    """What happens to the event's request, from least to most severe."""

    APPROVE = "approve"
    CHALLENGE = "challenge"
    REVIEW = "review"
    DECLINE = "decline"

    @property
    def severity(self) -> int:
        """0 for approve up to 3 for decline."""
        return _SEVERITY[self]

    @classmethod
    def worst(cls, outcomes: Iterable[Outcome]) -> Outcome:
        """The most severe of ``outcomes`` (approve when empty)."""
        return max(outcomes, key=lambda o: _SEVERITY[o], default=cls.APPROVE)


_SEVERITY = {Outcome.APPROVE: 0, Outcome.CHALLENGE: 1, Outcome.REVIEW: 2, Outcome.DECLINE: 3}


class ActionKind(StrEnum):
    """What a decision does beyond its outcome."""

    OPEN_LINE = "open_line"
    FREEZE = "freeze"
    CUT_LIMIT = "cut_limit"
    CLOSE = "close"
    REINSTATE = "reinstate"
    OPEN_REVIEW = "open_review"
    CHALLENGE = "challenge"
    DECLINE_APPLICATION = "decline_application"
    HOLD_SETTLEMENT = "hold_settlement"
    CAP_ACCEPTANCE = "cap_acceptance"


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine code, a plain-language text and the values that triggered it."""

    code: str
    text: str
    evidence: Mapping[str, float | str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Action:
    """One effect on a credit line or a case; ``owner_id`` is the line owner it targets."""

    kind: ActionKind
    product: Product | None = None
    owner_id: str | None = None
    days: int | None = None
    limit: Decimal | None = None
    applied: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer to one event."""

    decision_id: str
    event_id: str
    event_type: str
    subject: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    actions: tuple[Action, ...]
    scores: Mapping[str, float]
    features: Mapping[str, float]
    versions: Mapping[str, str]
    occurred_at: datetime
    decided_at: datetime
    latency_us: int
    shadow: tuple[str, ...] = ()
    """Rule ids that hit in shadow mode: recorded, never acted on."""

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """Just the codes, in order."""
        return tuple(r.code for r in self.reasons)


def decision_id_for(event_id: str) -> str:
    """Deterministic decision id: one decision per event id, everywhere.

    >>> decision_id_for("e1") == decision_id_for("e1")
    True
    """
    return "d_" + hashlib.sha256(event_id.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class RiskView:
    """A decision as a risk evaluation sees it: declines for lack of credit are not risk flags."""

    event_id: str
    subject: str
    outcome: str
    actions: tuple[Action, ...]


STEP_UP_CODE = "STEP_UP_PASSED"
"""The reason a decision carries when its event was re-submitted after a passed step-up."""

CREDIT_GATE_CODES = frozenset(
    {"NO_CREDIT_LINE", "LINE_NOT_USABLE", "INSUFFICIENT_LIMIT", "ACCOUNT_DELINQUENT"}
)
"""Reason codes of declines about credit availability, not about risk (``ACCOUNT_DELINQUENT``:
new credit paused while a bill is overdue, the default policy's ``overdue_credit_pause``)."""


def risk_view(decision: Decision, credit_codes: frozenset[str] = CREDIT_GATE_CODES) -> RiskView:
    """The decision with its outcome reset to approve when only credit-availability reasons fired.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> d = Decision("d", "e", "payment", "a", Outcome.DECLINE, (Reason("INSUFFICIENT_LIMIT", ""),),
    ...              (), {}, {}, {}, t, t, 1)
    >>> risk_view(d).outcome
    'approve'
    """
    risky = any(r.code not in credit_codes for r in decision.reasons)
    outcome = decision.outcome.value if risky else Outcome.APPROVE.value
    return RiskView(decision.event_id, decision.subject, outcome, decision.actions)
