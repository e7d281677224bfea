"""Case work (notes, tags, evidence attachments, analysts on shift) and merchant restrictions
(settlement holds, acceptance caps) with their analyst decisions.

Revision ID: 0012
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import Money, UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id", "id"])
    if op.get_bind().dialect.name == "postgresql":  # the function is migration 0003's
        op.execute(
            "CREATE TRIGGER case_notes_append_only BEFORE UPDATE OR DELETE ON case_notes "
            "FOR EACH ROW EXECUTE FUNCTION riskline_cases_append_only()"
        )
    op.create_table(
        "case_tags",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "tag", name="pk_case_tags"),
    )
    op.create_index("ix_case_tags_tag", "case_tags", ["tag"])
    op.create_table(
        "case_attachments",
        sa.Column("attachment_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_name", sa.String(80), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("attachment_id", name="pk_case_attachments"),
    )
    op.create_index("ix_case_attachments_case_id", "case_attachments", ["case_id"])
    op.create_table(
        "case_shifts",
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("reviewer", name="pk_case_shifts"),
    )
    op.create_table(
        "merchant_actions",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("merchant_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.Text, nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        sa.Column("until", UtcDateTime(), nullable=True),
        sa.Column("cap", Money(), nullable=True),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("why", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_merchant_actions"),
        sa.UniqueConstraint("decision_id", "kind", name="uq_merchant_actions_decision_id"),
    )
    op.create_index(
        "ix_merchant_actions_merchant_id", "merchant_actions", ["merchant_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("merchant_actions")
    op.drop_table("case_shifts")
    op.drop_table("case_attachments")
    op.drop_table("case_tags")
    op.drop_table("case_notes")
