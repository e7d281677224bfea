"""Re-scoring results written back from Spark (``riskline.batch.writeback``).

The write-back used to create this table itself (``create_all``); a database where it did
keeps its table and is only marked as having it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("rescoring_results"):
        return  # made by the write-back before this migration: same columns, same key
    op.create_table(
        "rescoring_results",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=True),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("credit_score", sa.Float(), nullable=False),
        sa.Column("fraud_score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("limit_revolving", sa.Float(), nullable=False),
        sa.Column("limit_cash_loan", sa.Float(), nullable=False),
        sa.Column("current_limit", sa.Float(), nullable=True),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("rescored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "person_id", name="pk_rescoring_results"),
    )


def downgrade() -> None:
    op.drop_table("rescoring_results")
