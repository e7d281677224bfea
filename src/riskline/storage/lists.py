"""Block / allow / watch lists in the database, served from memory (write-through)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Delete, Engine, delete, select

from riskline.rules import ListEntry, MemoryListStore
from riskline.storage import tables as tb
from riskline.storage.audit import AuditLog

__all__ = ["SqlListStore", "block_additions"]


class SqlListStore:
    """A ``ListStore`` whose entries survive restarts; reads never touch the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.audit = AuditLog(engine)
        self._memory = MemoryListStore()
        with engine.connect() as conn:
            for r in conn.execute(select(tb.list_entries)).mappings():
                self._memory.add(_entry(r))

    def add(self, entry: ListEntry, actor: str = "system") -> None:
        """Insert or replace the entry for (list, kind, value); audited as ``actor``."""
        with self.engine.begin() as conn:
            conn.execute(_delete(entry.list_name, entry.kind, entry.value))
            conn.execute(
                tb.list_entries.insert().values(
                    list_name=entry.list_name,
                    kind=entry.kind,
                    value=entry.value,
                    source=entry.source,
                    added_at=entry.added_at,
                    expires_at=entry.expires_at,
                    note=entry.note,
                )
            )
            detail = {"source": entry.source, "expires_at": entry.expires_at, "note": entry.note}
            target = f"{entry.list_name}:{entry.kind}:{entry.value}"
            self.audit.append(conn, "list.added", actor, target, detail)
        self._memory.add(entry)

    def remove(self, list_name: str, kind: str, value: str, actor: str = "system") -> bool:
        """Delete an entry; whether one existed. Audited as ``actor`` when one did."""
        with self.engine.begin() as conn:
            gone = conn.execute(_delete(list_name, kind, value)).rowcount
            if gone:
                target = f"{list_name}:{kind}:{value}"
                self.audit.append(conn, "list.removed", actor, target, {})
        return self._memory.remove(list_name, kind, value)

    def get(self, list_name: str, kind: str, value: str) -> ListEntry | None:
        """The entry, active or not, if any."""
        return self._memory.get(list_name, kind, value)

    def contains(self, list_name: str, kind: str, value: str, now: datetime) -> bool:
        """Whether an active entry exists at ``now``."""
        return self._memory.contains(list_name, kind, value, now)

    def entries(self, list_name: str | None = None) -> Iterator[ListEntry]:
        """All entries, optionally of one list."""
        return self._memory.entries(list_name)

    def purge_expired(self, now: datetime) -> int:
        """Drop entries expired at ``now`` from the database and memory."""
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(tb.list_entries).where(tb.list_entries.c.expires_at <= now)
            ).rowcount
            if gone:
                self.audit.append(conn, "list.purged", "system", "expired", {"entries": gone}, now)
        return self._memory.purge_expired(now)


def block_additions(conn: Connection) -> list[tuple[str | None, str, str, str]]:
    """Every block-list addition in the order made, read from the audit log: the last ledger
    event committed before it (None: none), the kind, value and source."""
    a, ev = tb.audit_log.c, tb.events.c
    added = select(a.seq, a.target, a.detail).where(
        a.kind == "list.added", a.target.startswith("block:")
    )
    out: list[tuple[str | None, str, str, str]] = []
    for row in conn.execute(added.order_by(a.seq)).all():
        ledger = select(a.detail).where(a.kind == "ledger", a.seq < row.seq)
        detail = conn.execute(ledger.order_by(a.seq.desc()).limit(1)).scalar()
        upto = orjson.loads(detail)["events"][1] if detail else 0
        last = select(ev.event_id).where(ev.seq <= upto).order_by(ev.seq.desc()).limit(1)
        _, kind, value = row.target.split(":", 2)
        out.append((conn.execute(last).scalar(), kind, value, orjson.loads(row.detail)["source"]))
    return out


def _delete(list_name: str, kind: str, value: str) -> Delete:
    c = tb.list_entries.c
    return delete(tb.list_entries).where(c.list_name == list_name, c.kind == kind, c.value == value)


def _entry(m: Any) -> ListEntry:
    return ListEntry(
        m["list_name"],
        m["kind"],
        m["value"],
        m["source"],
        m["added_at"],
        m["expires_at"],
        m["note"],
    )
