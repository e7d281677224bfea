"""Review cases: the queue projected from review decisions, reviewer actions, labels, appeals.

``CaseFollower`` turns the decision log into cases; ``CaseService`` is what the HTTP API,
the CLI and the analyst console call.
"""

from riskline.cases.follower import CaseFollower, RingLike, RingLookup, case_id_for, combine
from riskline.cases.policy import CasePolicy
from riskline.cases.service import AppealReceipt, CaseService, QueueStats, Writer, label_json
from riskline.cases.types import (
    Case,
    CaseCommand,
    CaseDetail,
    CaseEvent,
    CaseLink,
    CaseStatus,
    Clear,
    ConfirmFraud,
    Escalate,
    Label,
    Member,
    PendingApproval,
    QueueFilter,
    RequestInfo,
    Resolution,
    Reviewer,
    ReviewerRole,
)

__all__ = [
    "AppealReceipt",
    "Case",
    "CaseCommand",
    "CaseDetail",
    "CaseEvent",
    "CaseFollower",
    "CaseLink",
    "CasePolicy",
    "CaseService",
    "CaseStatus",
    "Clear",
    "ConfirmFraud",
    "Escalate",
    "Label",
    "Member",
    "PendingApproval",
    "QueueFilter",
    "QueueStats",
    "RequestInfo",
    "Resolution",
    "Reviewer",
    "ReviewerRole",
    "RingLike",
    "RingLookup",
    "Writer",
    "case_id_for",
    "combine",
    "label_json",
]
