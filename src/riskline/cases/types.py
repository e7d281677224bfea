"""Case domain types: a review case, its links to decisions, its audit trail, its labels.

A case's life::

    open ──assign──> in_progress ──confirm_fraud (freeze only)──> closed (fraud)
      │                  │ ──confirm_fraud (close or blocklist)──> pending_approval
      │                  │         pending_approval ──approve (another supervisor)──> closed (fraud)
      │                  │         pending_approval ──reject──> in_progress
      │                  │ ──clear──> closed (legit)
      │                  │ ──request_info──> awaiting_info ──assign / act──> in_progress
      │                  └ ──escalate──> escalated ──assign / act──> in_progress
      └─ (every action above also works on an unassigned open case, the actor takes it)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Attachment",
    "Case",
    "CaseCommand",
    "CaseDetail",
    "CaseEvent",
    "CaseLink",
    "CaseStatus",
    "Clear",
    "ConfirmFraud",
    "Escalate",
    "Label",
    "Member",
    "Note",
    "PendingApproval",
    "QueueFilter",
    "RequestInfo",
    "Resolution",
    "Reviewer",
    "ReviewerRole",
]


class CaseStatus(StrEnum):
    """Where a case is in its life."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    AWAITING_INFO = "awaiting_info"
    ESCALATED = "escalated"
    PENDING_APPROVAL = "pending_approval"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Every status but closed (a closed case takes no new decisions)."""
        return self is not CaseStatus.CLOSED


class Resolution(StrEnum):
    """How a closed case ended; also the training label."""

    FRAUD = "fraud"
    LEGIT = "legit"


class ReviewerRole(StrEnum):
    """What a reviewer may do: supervisors and admins may approve four-eyes actions."""

    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def can_approve(self) -> bool:
        """Whether this role may be the second pair of eyes."""
        return self in (ReviewerRole.SUPERVISOR, ReviewerRole.ADMIN)


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A person acting on cases (an API key or a console login): stable id, display name, role."""

    id: str
    role: ReviewerRole
    name: str = ""


@dataclass(frozen=True, slots=True)
class Member:
    """A party grouped in a case: ``kind`` is person, account or enterprise."""

    kind: str
    id: str


@dataclass(frozen=True, slots=True)
class PendingApproval:
    """A four-eyes action waiting for a second reviewer."""

    action: str
    requested_by: str
    requested_at: datetime
    why: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Case:
    """One review case: who it groups, how urgent it is, who has it, how it ended."""

    case_id: str
    group_kind: str
    """``person``, ``enterprise``, ``ring`` (grouped by a detected ring or linked parties) or
    ``appeal`` (opened by a user's appeal)."""
    group_key: str
    status: CaseStatus
    priority: float
    exposure: Decimal
    risk: float
    opened_at: datetime
    updated_at: datetime
    due_at: datetime
    assignee: str | None = None
    resolution: Resolution | None = None
    closed_at: datetime | None = None
    ring_id: str | None = None
    decisions: int = 0
    pending: PendingApproval | None = None
    version: int = 1

    def overdue(self, now: datetime) -> bool:
        """Whether the SLA has passed while the case is still open."""
        return self.status.is_open and now > self.due_at


@dataclass(frozen=True, slots=True)
class CaseLink:
    """A decision (or a user action under appeal) that belongs to a case."""

    case_id: str
    decision_id: str
    event_id: str
    subject: str
    outcome: str
    reason_codes: tuple[str, ...]
    occurred_at: datetime
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One audit entry (append-only): who did what to a case, when and why."""

    event_id: int
    case_id: str
    action: str
    actor: str
    actor_role: str
    at: datetime
    why: str
    details: dict[str, object]


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case with its members, linked decisions and audit trail (for the case page)."""

    case: Case
    members: tuple[Member, ...]
    links: tuple[CaseLink, ...]
    events: tuple[CaseEvent, ...]


@dataclass(frozen=True, slots=True)
class Label:
    """A training label from a case outcome: one per linked decision, with event and label times."""

    case_id: str
    decision_id: str
    event_id: str
    subject: str
    person_id: str | None
    label: Resolution
    occurred_at: datetime
    labelled_at: datetime
    labelled_by: str


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What part of the queue to list; defaults to every open case, most urgent first."""

    statuses: tuple[CaseStatus, ...] = ()
    assignee: str | None = None
    unassigned: bool = False
    overdue_only: bool = False
    limit: int = 100
    offset: int = 0
    tag: str | None = None
    """Only cases carrying this tag."""


@dataclass(frozen=True, slots=True)
class ConfirmFraud:
    """Confirm fraud: freeze (or close) the members' lines, optionally blocklist, label fraud.

    ``close`` and ``blocklist`` need a second reviewer's approval (four eyes); a plain
    freeze applies at once and closes the case.
    """

    why: str
    close: bool = False
    blocklist: bool = True
    group: tuple[str, ...] = ()
    """A bulk action's cases (this one among them): one approval carries out all of them."""


@dataclass(frozen=True, slots=True)
class Clear:
    """Clear: reinstate lines, lift case blocklistings, allowlist for a while, label legit."""

    why: str
    allowlist: bool = True


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """Ask the user for information (the user gets a notice); the case waits.

    ``why`` stays internal; ``ask`` (optional) is what the user is asked for, shown to them
    verbatim next to the notice text, so write it for the user.
    """

    why: str
    ask: str = ""


@dataclass(frozen=True, slots=True)
class Escalate:
    """Hand the case up to a supervisor (unassigns it)."""

    why: str


CaseCommand = ConfirmFraud | Clear | RequestInfo | Escalate


@dataclass(frozen=True, slots=True)
class Note:
    """An analyst's note on a case (append-only)."""

    note_id: int
    case_id: str
    author: str
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """Evidence attached to a case: what it is (sniffed from its content), how big, who added it."""

    attachment_id: str
    case_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    stored_name: str
    uploaded_by: str
    uploaded_at: datetime
