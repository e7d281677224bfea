"""Monitoring alerts, each fired once per rule, subject and period (``riskline.monitoring``).

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import UtcDateTime

revision = "0011"
down_revision = "0010_authoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_alerts",
        sa.Column("alert_id", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("fired_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name="pk_monitoring_alerts"),
    )
    op.create_index("ix_monitoring_alerts_fired_at", "monitoring_alerts", ["fired_at"])


def downgrade() -> None:
    op.drop_index("ix_monitoring_alerts_fired_at", table_name="monitoring_alerts")
    op.drop_table("monitoring_alerts")
