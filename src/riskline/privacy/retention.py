"""Retention per data class, and the purge that enforces it.

Classes and what purging one removes:

- ``ledger``: events with their decisions and the line changes written with them, whole audit
  ledger entries at a time, oldest first (so the chain can say exactly which ranges are gone).
- any other table holding personal data (cases, notices, appeals, challenges, ...) that has a
  timestamp column named in :data:`CLASS_COLUMNS`: rows older than that class's period.

Expired list entries are purged too. The audit log itself is kept: it holds no identifiers
beyond pseudonymous ids and is the proof of what was done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, MetaData, Table, delete, func, select

from riskline.errors import InvalidConfig
from riskline.storage import tables as tb
from riskline.storage.audit import AuditLog

__all__ = ["CLASS_COLUMNS", "PurgeReport", "RetentionPolicy", "purge"]

CLASS_COLUMNS: dict[str, tuple[str, str]] = {
    "cases": ("cases", "opened_at"),
    "case_events": ("case_events", "at"),
    "notices": ("notices", "created_at"),
    "appeals": ("appeals", "created_at"),
    "challenges": ("challenges", "created_at"),
}
"""Data class -> (table, timestamp column) for the tables other packages add, when present."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each class of data is kept (days); ``None`` keeps it forever."""

    ledger_days: int | None = 5 * 365
    """Events, decisions and line changes: five years, the usual record-keeping duty."""
    classes: dict[str, int | None] = field(
        default_factory=lambda: {
            "cases": 5 * 365,
            "case_events": 5 * 365,
            "notices": 3 * 365,
            "appeals": 5 * 365,
            "challenges": 365,
        }
    )

    def __post_init__(self) -> None:
        periods = [self.ledger_days, *self.classes.values()]
        if any(p is not None and p < 1 for p in periods):
            raise InvalidConfig("retention periods must be at least one day")
        unknown = set(self.classes) - set(CLASS_COLUMNS)
        if unknown:
            raise InvalidConfig(f"unknown data classes {sorted(unknown)}; known: {CLASS_COLUMNS}")


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What a purge removed (or would remove, in a dry run)."""

    events: int
    decisions: int
    line_changes: int
    rows: dict[str, int]
    events_upto: int
    dry_run: bool


def _ledger_cut(engine: Engine, cutoff: datetime) -> tuple[int, int]:
    """The newest ledger entry boundary whose events were all recorded before ``cutoff``."""
    with engine.connect() as conn:
        oldest_kept = conn.execute(
            select(func.min(tb.events.c.seq)).where(tb.events.c.recorded_at >= cutoff)
        ).scalar()
        upto = (0, 0)
        for entry in AuditLog(engine).entries(conn, ("ledger",)):
            ev_end, ch_end = int(entry.detail["events"][1]), int(entry.detail["changes"][1])
            if oldest_kept is not None and ev_end >= int(oldest_kept):
                break
            upto = (ev_end, ch_end)
    return upto


def _count(conn: Any, table: Table, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def purge(
    engine: Engine, policy: RetentionPolicy, now: datetime, dry_run: bool = False
) -> PurgeReport:
    """Delete what ``policy`` no longer allows to be kept at ``now``; audited."""
    upto = (0, 0)
    if policy.ledger_days is not None:
        upto = _ledger_cut(engine, now - timedelta(days=policy.ledger_days))
    reflected = MetaData()
    reflected.reflect(engine)
    e, d, h = tb.events, tb.decisions, tb.line_history
    old_events = e.c.seq <= upto[0]
    old_decisions = d.c.event_id.in_(select(e.c.event_id).where(old_events))
    rows: dict[str, int] = {}
    with engine.begin() as conn:
        n_events = _count(conn, e, old_events)
        n_decisions = _count(conn, d, old_decisions)
        n_changes = _count(conn, h, h.c.id <= upto[1])
        for name, period in policy.classes.items():
            table_name, column = CLASS_COLUMNS[name]
            table = reflected.tables.get(table_name)
            if period is None or table is None or column not in table.c:
                continue
            cut = tb.utc_storage(now - timedelta(days=period), engine.dialect.name == "sqlite")
            older = table.c[column] < cut
            rows[name] = _count(conn, table, older)
            if not dry_run and rows[name]:
                conn.execute(delete(table).where(older))
        if not dry_run and (n_events or n_changes or any(rows.values())):
            conn.execute(delete(d).where(old_decisions))
            conn.execute(delete(e).where(old_events))
            conn.execute(delete(h).where(h.c.id <= upto[1]))
            detail = {
                "events_upto": upto[0],
                "changes_upto": upto[1],
                "events": n_events,
                "decisions": n_decisions,
                "line_changes": n_changes,
                "rows": rows,
            }
            AuditLog(engine).append(conn, "retention.purged", "retention", "ledger", detail, now)
    return PurgeReport(n_events, n_decisions, n_changes, rows, upto[0], dry_run)
