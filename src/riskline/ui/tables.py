"""Console tables (users and sessions) on the shared ``metadata``; migration 0006 creates them."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from riskline.storage.tables import UtcDateTime, metadata

__all__ = ["console_sessions", "console_users"]

console_users = Table(
    "console_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("password_changed_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime(), nullable=True),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
Index("ix_console_sessions_username", console_sessions.c.username)
