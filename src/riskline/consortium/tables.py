"""The member node's own tables (its own ``MetaData``, its own Alembic chain).

A node runs beside (or apart from) a Riskline deployment with its own database, so its schema
lives here and its migrations in ``consortium/migrations`` (run by
:func:`riskline.consortium.migrate.upgrade` on every start), not in the main chain.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

from riskline.storage.tables import UtcDateTime

__all__ = [
    "applications",
    "audit",
    "entries",
    "metadata",
    "publications",
    "setups",
]

metadata = MetaData()

entries = Table(
    "consortium_entries",
    metadata,
    Column("entry_id", String(40), primary_key=True),
    Column("token", String(40), nullable=False, index=True),
    Column("reason", String(32), nullable=False),
    Column("source", String(64), nullable=False),
    Column("evidence", String(200), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("filed_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),
    Column("dispute", String(16), nullable=False),
)

applications = Table(
    "consortium_applications",
    metadata,
    Column("token", String(40), primary_key=True),
    Column("seen_at", UtcDateTime(), nullable=False, index=True),
)

publications = Table(
    "consortium_publications",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("valid_until", UtcDateTime(), nullable=False),
    Column("max_batch", Integer, nullable=False),
    Column("key", LargeBinary, nullable=False),
)

setups = Table(
    "consortium_setups",
    metadata,
    Column("version", Integer, nullable=False),
    Column("name", String(32), nullable=False),
    Column("count", Integer, nullable=False),
    Column("setup", LargeBinary, nullable=False),
    Index("ix_consortium_setups_version", "version", "name", unique=True),
)

audit = Table(
    "consortium_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("member", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("list_name", String(16), nullable=False),
    Column("batch_size", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("detail", String(200), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
