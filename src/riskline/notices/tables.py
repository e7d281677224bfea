"""Tables of user notices and users' appeals (created by migration 0003, with the cases).

Notices are a projection of line history, decisions and case events; ``notices.source`` is
unique so re-reading a window twice inserts nothing twice. An appeal is made against one notice
(``appeals.notice_id`` is unique) and joins or opens a case.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from riskline.storage.tables import UtcDateTime, metadata

__all__ = ["appeals", "notices"]

_ID = BigInteger().with_variant(Integer, "sqlite")

appeals = Table(
    "appeals",
    metadata,
    Column("appeal_id", String(40), primary_key=True),
    Column("notice_id", String(40), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("person_id", String(128), nullable=True),
    Column("message", Text, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    UniqueConstraint("notice_id", name="uq_appeals_notice_id"),
)
Index("ix_appeals_case_id", appeals.c.case_id)

notices = Table(
    "notices",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("notice_id", String(40), nullable=False, unique=True),
    Column("source", String(80), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("person_id", String(128), nullable=True),
    Column("reason_codes", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("decision_id", String(40), nullable=True),
    Column("case_id", String(40), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("source", name="uq_notices_source"),
)
Index("ix_notices_account_id", notices.c.account_id, notices.c.at)
Index("ix_notices_person_id", notices.c.person_id, notices.c.at)
