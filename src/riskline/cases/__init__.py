"""Review cases: the queue projected from review decisions, reviewer actions, labels.

``CaseFollower`` turns the decision log into cases; :func:`open_case` is the one way a case is
opened (by the follower, and by a user's appeal in ``riskline.notices``). ``CaseQueue`` reads
the queue, ``CaseCommands`` carries out reviewer actions with four-eyes approval,
``CaseLabels`` reads training labels; ``CaseService`` holds the three for the HTTP API, the
CLI and the analyst console, with case work: ``CaseNotes`` (notes, tags), ``Attachments``
(evidence files), ``BulkActions`` (a ring's cases together), ``Assigner`` (shifts,
auto-assignment). ``SqlMerchantBook`` and ``MerchantDesk`` (``cases.merchants``) keep merchant
restrictions and analysts' releases.
"""

from riskline.cases import repo
from riskline.cases.assign import Assigner
from riskline.cases.attachments import Attachments
from riskline.cases.bulk import BulkActions
from riskline.cases.commands import CaseCommands
from riskline.cases.follower import CaseFollower, RingLike, RingLookup, asks_review, case_id_for
from riskline.cases.labels import CaseLabels, label_json
from riskline.cases.merchants import MerchantDesk, MerchantRecord, SqlMerchantBook
from riskline.cases.notes import CaseNotes
from riskline.cases.opening import combine, open_case, refresh
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import AppealLedger, Emit, Flagger, LinkedDecision, Writer, on_writer
from riskline.cases.queue import CaseQueue, QueueStats
from riskline.cases.service import CaseService
from riskline.cases.types import (
    Attachment,
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
    Note,
    PendingApproval,
    QueueFilter,
    RequestInfo,
    Resolution,
    Reviewer,
    ReviewerRole,
)

__all__ = [
    "AppealLedger",
    "Assigner",
    "Attachment",
    "Attachments",
    "BulkActions",
    "Case",
    "CaseCommand",
    "CaseCommands",
    "CaseDetail",
    "CaseEvent",
    "CaseFollower",
    "CaseLabels",
    "CaseLink",
    "CaseNotes",
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
    "MerchantDesk",
    "MerchantRecord",
    "Note",
    "PendingApproval",
    "QueueFilter",
    "QueueStats",
    "RequestInfo",
    "Resolution",
    "Reviewer",
    "ReviewerRole",
    "RingLike",
    "RingLookup",
    "SqlMerchantBook",
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
