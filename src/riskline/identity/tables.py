"""Step-up tables: challenges, the follower's cursor, known devices, enrolled reference faces.

They live on the shared :data:`riskline.storage.tables.metadata`; migration 0004 creates them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from riskline.storage.tables import UtcDateTime, metadata

__all__ = ["challenges", "cursors", "device_keys", "device_links", "devices", "faces"]

challenges = Table(
    "stepup_challenges",
    metadata,
    Column("challenge_id", String(40), primary_key=True),
    Column("decision_id", String(40), nullable=False, unique=True),
    Column("event_id", String(128), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("subject", String(128), nullable=False),
    Column("person_id", String(128), nullable=True),
    Column("required", String(64), nullable=False),
    Column("passed_checks", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("device_id", String(40), nullable=True),
    Column("flags", Text, nullable=False),
    Column("release_event_id", String(128), nullable=True),
    Column("release_decision_id", String(40), nullable=True),
    Column("release_outcome", String(16), nullable=True),
    Column("version", Integer, nullable=False),
)
Index("ix_stepup_challenges_subject", challenges.c.subject, challenges.c.created_at)
Index("ix_stepup_challenges_status", challenges.c.status)

cursors = Table(
    "stepup_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)

devices = Table(
    "stepup_devices",
    metadata,
    Column("device_id", String(40), primary_key=True),
    Column("components", Text, nullable=False),
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column("seen", Integer, nullable=False),
)

device_keys = Table(
    "stepup_device_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("device_id", String(40), primary_key=True),
)

device_links = Table(
    "stepup_device_links",
    metadata,
    Column("device_id", String(40), primary_key=True),
    Column("subject", String(128), primary_key=True),
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("trusted_at", UtcDateTime(), nullable=True),
)
Index("ix_stepup_device_links_subject", device_links.c.subject)

faces = Table(
    "stepup_faces",
    metadata,
    Column("person_id", String(128), primary_key=True),
    Column("embedding", LargeBinary, nullable=False),
    Column("model", String(64), nullable=False),
    Column("enrolled_at", UtcDateTime(), nullable=False),
)
