"""Step-up challenges and known device fingerprints.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stepup_challenges",
        sa.Column("challenge_id", sa.String(40), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=True),
        sa.Column("required", sa.String(64), nullable=False),
        sa.Column("passed_checks", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("device_id", sa.String(40), nullable=True),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("release_event_id", sa.String(128), nullable=True),
        sa.Column("release_decision_id", sa.String(40), nullable=True),
        sa.Column("release_outcome", sa.String(16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("challenge_id", name="pk_stepup_challenges"),
        sa.UniqueConstraint("decision_id", name="uq_stepup_challenges_decision_id"),
    )
    op.create_index("ix_stepup_challenges_subject", "stepup_challenges", ["subject", "created_at"])
    op.create_index("ix_stepup_challenges_status", "stepup_challenges", ["status"])
    op.create_table(
        "stepup_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_stepup_cursors"),
    )
    op.create_table(
        "stepup_devices",
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_stepup_devices"),
    )
    op.create_table(
        "stepup_device_keys",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("key", "device_id", name="pk_stepup_device_keys"),
    )
    op.create_table(
        "stepup_device_links",
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("trusted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "subject", name="pk_stepup_device_links"),
    )
    op.create_index("ix_stepup_device_links_subject", "stepup_device_links", ["subject"])
    op.create_table(
        "stepup_faces",
        sa.Column("person_id", sa.String(128), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("enrolled_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_stepup_faces"),
    )


def downgrade() -> None:
    op.drop_table("stepup_faces")
    op.drop_index("ix_stepup_device_links_subject", table_name="stepup_device_links")
    op.drop_table("stepup_device_links")
    op.drop_table("stepup_device_keys")
    op.drop_table("stepup_devices")
    op.drop_table("stepup_cursors")
    op.drop_index("ix_stepup_challenges_status", table_name="stepup_challenges")
    op.drop_index("ix_stepup_challenges_subject", table_name="stepup_challenges")
    op.drop_table("stepup_challenges")
