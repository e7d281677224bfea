"""Review cases: the queue projected from review decisions, reviewer actions, labels.

``CaseFollower`` turns the decision log into cases; :func:`open_case` is the one way a case is
opened (by the follower, and by a user's appeal in ``riskline.notices``). ``CaseQueue`` reads
the queue, ``CaseCommands`` carries out reviewer actions with four-eyes approval,
``CaseLabels`` reads training labels; ``CaseService`` holds the three for the HTTP API, the
CLI and the analyst console.
"""

from riskline.cases import repo
from riskline.cases.commands import CaseCommands
from riskline.cases.follower import CaseFollower, RingLike, RingLookup, asks_review, case_id_for
from riskline.cases.labels import CaseLabels, label_json
from riskline.cases.opening import combine, open_case, refresh
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import AppealLedger, Emit, Flagger, LinkedDecision, Writer, on_writer
from riskline.cases.queue import CaseQueue, QueueStats
from riskline.cases.service import CaseService
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
    "AppealLedger",
    "Case",
    "CaseCommand",
    "CaseCommands",
    "CaseDetail",
    "CaseEvent",
    "CaseFollower",
    "CaseLabels",
    "CaseLink",
    "CasePolicy",
    "CaseQueue",
    "CaseService",
    "CaseStatus",
    "Clear",
    "ConfirmFraud",
    "Emit",
    "Escalate",
    "Flagger",
    "Label",
    "LinkedDecision",
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
    "asks_review",
    "case_id_for",
    "combine",
    "label_json",
    "on_writer",
    "open_case",
    "refresh",
    "repo",
]
