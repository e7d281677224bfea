"""Governed authoring: rule-set / policy versions and rule snoozes per entity
(``riskline.storage.drafts``).

Revision ID: 0010_authoring
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import UtcDateTime

revision = "0010_authoring"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_versions",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approver", sa.String(200), nullable=True),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("published_by", sa.String(200), nullable=True),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("rolled_back_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("version", name="pk_rule_versions"),
    )
    op.create_table(
        "rule_snoozes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("until", UtcDateTime(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rule_snoozes"),
    )


def downgrade() -> None:
    op.drop_table("rule_snoozes")
    op.drop_table("rule_versions")
