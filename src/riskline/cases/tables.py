"""Tables of review cases (migration 0003, which also makes the notices and appeals tables of
:mod:`riskline.notices.tables` and the ``projection_cursors`` of :mod:`riskline.projection`).

Cases are a projection of the decision log: the follower keeps its position in
``projection_cursors`` and moves it in the same transaction as the rows it writes, and every
projected row has a unique key (``case_decisions.decision_id``) so re-reading a window twice
changes nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from riskline.storage.tables import Money, UtcDateTime, metadata

__all__ = [
    "case_decisions",
    "case_events",
    "case_labels",
    "case_members",
    "cases",
]

_ID = BigInteger().with_variant(Integer, "sqlite")

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("group_kind", String(16), nullable=False),
    Column("group_key", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", Float, nullable=False),
    Column("exposure", Money(), nullable=False),
    Column("risk", Float, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("assignee", String(128), nullable=True),
    Column("resolution", String(16), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("ring_id", String(64), nullable=True),
    Column("decisions", Integer, nullable=False),
    Column("pending", Text, nullable=True),
    Column("version", Integer, nullable=False),
)
Index("ix_cases_status", cases.c.status, cases.c.priority)
Index("ix_cases_group_key", cases.c.group_key)

case_members = Table(
    "case_members",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("member_id", String(200), primary_key=True),
)
Index("ix_case_members_kind", case_members.c.kind, case_members.c.member_id)

case_decisions = Table(
    "case_decisions",
    metadata,
    Column("decision_id", String(40), primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason_codes", Text, nullable=False),
    Column("risk", Float, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
)
Index("ix_case_decisions_case_id", case_decisions.c.case_id)

case_events = Table(
    "case_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("why", Text, nullable=False),
    Column("details", Text, nullable=False),
)
Index("ix_case_events_case_id", case_events.c.case_id, case_events.c.id)

case_labels = Table(
    "case_labels",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("decision_id", String(40), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("person_id", String(128), nullable=True),
    Column("label", String(16), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("labelled_at", UtcDateTime(), nullable=False),
    Column("labelled_by", String(128), nullable=False),
)
Index("ix_case_labels_labelled_at", case_labels.c.labelled_at)
