"""The table of fired monitoring alerts (migration 0011).

An alert's id is ``<rule>:<subject>:<period>``: firing the same alert again in the same window
(the same day) inserts nothing, so a periodic evaluation and a cron run never deliver it twice.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, String, Table, Text

from riskline.storage.tables import UtcDateTime, metadata

__all__ = ["monitoring_alerts"]

monitoring_alerts = Table(
    "monitoring_alerts",
    metadata,
    Column("alert_id", String(200), primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("period", String(16), nullable=False),
    Column("value", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("fired_at", UtcDateTime(), nullable=False),
)
Index("ix_monitoring_alerts_fired_at", monitoring_alerts.c.fired_at)
