"""SQLAlchemy Core tables: the ledger, decisions, credit lines and their history, keys."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

__all__ = [
    "accounts",
    "api_keys",
    "audit_log",
    "credit_lines",
    "decisions",
    "events",
    "line_history",
    "list_entries",
    "metadata",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utc_storage(value: datetime, sqlite: bool) -> Any:
    """A timestamp as the UTC columns store it: text on SQLite, the aware datetime elsewhere."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    if not sqlite:
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite keeps fixed-width ISO-8601 UTC text
    (``2026-03-01T09:00:00.000000``), which sorts correctly and converts in C.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        return None if value is None else utc_storage(value, dialect.name == "sqlite")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Exact decimal money: NUMERIC(18,2) where supported, text on SQLite."""

    impl = String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(18, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


events = Table(
    "events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("type", String(40), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("decision_id", String(40), nullable=False),
    Column("payload", Text, nullable=False),
)
Index("ix_events_subject", events.c.subject)

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", String(40), primary_key=True),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("event_type", String(40), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("latency_us", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_decisions_subject", decisions.c.subject, decisions.c.occurred_at)
Index("ix_decisions_outcome", decisions.c.outcome)

credit_lines = Table(
    "credit_lines",
    metadata,
    Column("line_id", String(200), primary_key=True),
    Column("owner_id", String(128), nullable=False),
    Column("owner_kind", String(16), nullable=False),
    Column("product", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("credit_limit", Money(), nullable=False),
    Column("outstanding", Money(), nullable=False),
    Column("previous_limit", Money(), nullable=True),
    Column("frozen_until", UtcDateTime(), nullable=True),
    Column("review_at", UtcDateTime(), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("owner_id", "product", name="uq_credit_lines_owner_product"),
)
Index("ix_credit_lines_status", credit_lines.c.status)

line_history = Table(
    "line_history",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("line_id", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("limit_before", Money(), nullable=False),
    Column("limit_after", Money(), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(128), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("decision_id", String(40), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
)
Index("ix_line_history_line_id", line_history.c.line_id, line_history.c.id)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(128), primary_key=True),
    Column("person_id", String(128), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
)
Index("ix_accounts_person_id", accounts.c.person_id)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

list_entries = Table(
    "list_entries",
    metadata,
    Column("list_name", String(16), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("note", String(500), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
