"""A member node's tables: entries, applications, publications, PSI setups, audit chain.

The same schema ``create_tables`` made before migrations (a database made that way is stamped
at this revision by ``riskline.consortium.migrate.upgrade``).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consortium_entries",
        sa.Column("entry_id", sa.String(40), primary_key=True),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("evidence", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("filed_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("dispute", sa.String(16), nullable=False),
    )
    op.create_index("ix_consortium_entries_token", "consortium_entries", ["token"])
    op.create_index("ix_consortium_entries_expires_at", "consortium_entries", ["expires_at"])
    op.create_table(
        "consortium_applications",
        sa.Column("token", sa.String(40), primary_key=True),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_consortium_applications_seen_at", "consortium_applications", ["seen_at"])
    op.create_table(
        "consortium_publications",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("max_batch", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "consortium_setups",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("setup", sa.LargeBinary(), nullable=False),
    )
    op.create_index(
        "ix_consortium_setups_version", "consortium_setups", ["version", "name"], unique=True
    )
    op.create_table(
        "consortium_audit",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("member", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("list_name", sa.String(16), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "consortium_audit",
        "consortium_setups",
        "consortium_publications",
        "consortium_applications",
        "consortium_entries",
    ):
        op.drop_table(table)
