"""Initial schema: ledger, decisions, credit lines and history, accounts, API keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import Money, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", _seq(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_subject", "events", ["subject"])
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("latency_us", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
        sa.UniqueConstraint("event_id", name="uq_decisions_event_id"),
    )
    op.create_index("ix_decisions_subject", "decisions", ["subject", "occurred_at"])
    op.create_index("ix_decisions_outcome", "decisions", ["outcome"])
    op.create_table(
        "credit_lines",
        sa.Column("line_id", sa.String(200), nullable=False),
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("owner_kind", sa.String(16), nullable=False),
        sa.Column("product", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("credit_limit", Money(), nullable=False),
        sa.Column("outstanding", Money(), nullable=False),
        sa.Column("previous_limit", Money(), nullable=True),
        sa.Column("frozen_until", UtcDateTime(), nullable=True),
        sa.Column("review_at", UtcDateTime(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("line_id", name="pk_credit_lines"),
        sa.UniqueConstraint("owner_id", "product", name="uq_credit_lines_owner_product"),
    )
    op.create_index("ix_credit_lines_status", "credit_lines", ["status"])
    op.create_table(
        "line_history",
        sa.Column("id", _seq(), primary_key=True, autoincrement=True),
        sa.Column("line_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("limit_before", Money(), nullable=False),
        sa.Column("limit_after", Money(), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_line_history"),
    )
    op.create_index("ix_line_history_line_id", "line_history", ["line_id", "id"])
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_accounts"),
    )
    op.create_index("ix_accounts_person_id", "accounts", ["person_id"])
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
    )


def downgrade() -> None:
    for name in ("api_keys", "accounts", "line_history", "credit_lines", "decisions", "events"):
        op.drop_table(name)
