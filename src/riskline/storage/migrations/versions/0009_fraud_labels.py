"""Fraud labels fed back to the engine (chargebacks and reports): ``riskline.storage.labels``.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "fraud_labels",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("fraud", sa.Boolean(name="ck_fraud_labels_fraud"), nullable=False),
        sa.Column("reported_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fraud_labels"),
        sa.UniqueConstraint("event_id", "fraud", "reported_at", name="uq_fraud_labels_event_id"),
    )


def downgrade() -> None:
    op.drop_table("fraud_labels")
