"""Review cases, user notices and appeals.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from riskline.storage.tables import Money, UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "projection_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_projection_cursors"),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("group_kind", sa.String(16), nullable=False),
        sa.Column("group_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("assignee", sa.String(128), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("ring_id", sa.String(64), nullable=True),
        sa.Column("decisions", sa.Integer, nullable=False),
        sa.Column("pending", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases"),
    )
    op.create_index("ix_cases_status", "cases", ["status", "priority"])
    op.create_index("ix_cases_group_key", "cases", ["group_key"])
    op.create_table(
        "case_members",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "kind", "member_id", name="pk_case_members"),
    )
    op.create_index("ix_case_members_kind", "case_members", ["kind", "member_id"])
    op.create_table(
        "case_decisions",
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.Text, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("linked_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_case_decisions"),
    )
    op.create_index("ix_case_decisions_case_id", "case_decisions", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id", "id"])
    _append_only("case_events")
    op.create_table(
        "case_labels",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=True),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("labelled_at", UtcDateTime(), nullable=False),
        sa.Column("labelled_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_labels"),
    )
    op.create_index("ix_case_labels_labelled_at", "case_labels", ["labelled_at"])
    op.create_table(
        "appeals",
        sa.Column("appeal_id", sa.String(40), nullable=False),
        sa.Column("notice_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("appeal_id", name="pk_appeals"),
        sa.UniqueConstraint("notice_id", name="uq_appeals_notice_id"),
    )
    op.create_index("ix_appeals_case_id", "appeals", ["case_id"])
    op.create_table(
        "notices",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("notice_id", sa.String(40), nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=True),
        sa.Column("reason_codes", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=True),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("notice_id", name="uq_notices_notice_id"),
        sa.UniqueConstraint("source", name="uq_notices_source"),
    )
    op.create_index("ix_notices_account_id", "notices", ["account_id", "at"])
    op.create_index("ix_notices_person_id", "notices", ["person_id", "at"])


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on an audit table, in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION riskline_cases_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION riskline_cases_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_append_only ON case_events")
        op.execute("DROP FUNCTION IF EXISTS riskline_cases_append_only()")
    for table in (
        "notices",
        "appeals",
        "case_labels",
        "case_events",
        "case_decisions",
        "case_members",
        "cases",
        "projection_cursors",
    ):
        op.drop_table(table)
