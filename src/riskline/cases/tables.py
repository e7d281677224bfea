"""Tables of review cases (migration 0003, which also makes the notices and appeals tables of
:mod:`riskline.notices.tables` and the ``projection_cursors`` of :mod:`riskline.projection`;
migration 0012 adds case work (notes, tags, attachments, shifts) and merchant restrictions).

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
    UniqueConstraint,
)

from riskline.storage.tables import Money, UtcDateTime, metadata

__all__ = [
    "case_attachments",
    "case_decisions",
    "case_events",
    "case_labels",
    "case_members",
    "case_notes",
    "case_shifts",
    "case_tags",
    "cases",
    "merchant_actions",
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

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("author", String(128), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_case_notes_case_id", case_notes.c.case_id, case_notes.c.id)

case_tags = Table(
    "case_tags",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("tag", String(40), primary_key=True),
    Column("added_by", String(128), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
)
Index("ix_case_tags_tag", case_tags.c.tag)

case_attachments = Table(
    "case_attachments",
    metadata,
    Column("attachment_id", String(40), primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_name", String(80), nullable=False),
    Column("uploaded_by", String(128), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
)
Index("ix_case_attachments_case_id", case_attachments.c.case_id)

case_shifts = Table(
    "case_shifts",
    metadata,
    Column("reviewer", String(128), primary_key=True),
    Column("since", UtcDateTime(), nullable=False),
)

merchant_actions = Table(
    "merchant_actions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("merchant_id", String(128), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason_codes", Text, nullable=False),
    Column("decision_id", String(40), nullable=False),
    Column("since", UtcDateTime(), nullable=False),
    Column("until", UtcDateTime(), nullable=True),
    Column("cap", Money(), nullable=True),
    Column("case_id", String(40), nullable=True),
    Column("decided_by", String(128), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("why", Text, nullable=True),
    UniqueConstraint("decision_id", "kind", name="uq_merchant_actions_decision_id"),
)
Index("ix_merchant_actions_merchant_id", merchant_actions.c.merchant_id, merchant_actions.c.status)
