"""The member node's store: entries, recent applicants, publications and the audit log."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from riskline.consortium import tables as tb
from riskline.consortium.types import DisputeState, Entry, Reason
from riskline.errors import NotFound

__all__ = ["AuditRecord", "NodeStore", "StoredPublication"]

_PUBLISHABLE = (DisputeState.NONE.value, DisputeState.UPHELD.value)


@dataclass(frozen=True, slots=True)
class StoredPublication:
    """A published set: its server key (kept only until the next publish) and setup messages."""

    version: int
    kind: str
    created_at: datetime
    valid_until: datetime
    max_batch: int
    key: bytes
    setups: Mapping[str, bytes]
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One query as the holder saw it: who, when, how many items; never the items."""

    at: datetime
    member: str
    action: str
    list_name: str
    batch_size: int
    version: int
    status: int
    detail: str = ""


class NodeStore:
    """SQL store of one member node (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._audit_lock = threading.Lock()

    def add_entries(self, new: Sequence[Entry]) -> None:
        """Insert entries (one transaction)."""
        with self.engine.begin() as conn:
            conn.execute(insert(tb.entries), [_entry_row(e) for e in new])

    def get(self, entry_id: str) -> Entry:
        """One entry by id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tb.entries).where(tb.entries.c.entry_id == entry_id)).first()
        if row is None:
            raise NotFound(f"no consortium entry {entry_id!r}")
        return _entry(row._mapping)

    def by_tokens(self, tokens: Iterable[str]) -> list[Entry]:
        """Every entry (any state) on one of these tokens."""
        query = select(tb.entries).where(tb.entries.c.token.in_(list(tokens)))
        with self.engine.connect() as conn:
            return [_entry(r._mapping) for r in conn.execute(query)]

    def set_dispute(self, entry_id: str, state: DisputeState) -> None:
        """Move an entry's dispute state (the caller checked the transition)."""
        stmt = update(tb.entries).where(tb.entries.c.entry_id == entry_id)
        with self.engine.begin() as conn:
            conn.execute(stmt.values(dispute=state.value))

    def publishable(self, now: datetime) -> list[Entry]:
        """Entries in force at ``now`` and not disputed or withdrawn."""
        c = tb.entries.c
        query = select(tb.entries).where(
            c.filed_at <= now, c.expires_at > now, c.dispute.in_(_PUBLISHABLE)
        )
        with self.engine.connect() as conn:
            return [_entry(r._mapping) for r in conn.execute(query)]

    def purge(self, now: datetime) -> int:
        """Delete expired and withdrawn entries; how many went."""
        c = tb.entries.c
        stmt = delete(tb.entries).where(
            (c.expires_at <= now) | (c.dispute == DisputeState.WITHDRAWN.value)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def record_applications(self, tokens: Iterable[str], at: datetime) -> int:
        """Remember that these tokens applied at ``at`` (latest time per token)."""
        unique = sorted(set(tokens))
        with self.engine.begin() as conn:
            conn.execute(delete(tb.applications).where(tb.applications.c.token.in_(unique)))
            if unique:
                conn.execute(insert(tb.applications), [{"token": t, "seen_at": at} for t in unique])
        return len(unique)

    def recent_applications(self, since: datetime) -> list[str]:
        """Tokens seen applying at or after ``since``."""
        query = select(tb.applications.c.token).where(tb.applications.c.seen_at >= since)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def purge_applications(self, before: datetime) -> int:
        """Forget applications older than ``before``."""
        stmt = delete(tb.applications).where(tb.applications.c.seen_at < before)
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def save_publication(self, pub: StoredPublication, keep: int = 1) -> int:
        """Store a publication and destroy older keys and setups of that kind; its version."""
        p = tb.publications
        with self.engine.begin() as conn:
            pk = conn.execute(
                insert(p).values(
                    kind=pub.kind,
                    created_at=pub.created_at,
                    valid_until=pub.valid_until,
                    max_batch=pub.max_batch,
                    key=pub.key,
                )
            ).inserted_primary_key
            assert pk is not None
            version = pk[0]
            rows = [
                {"version": version, "name": n, "count": pub.counts[n], "setup": s}
                for n, s in pub.setups.items()
            ]
            if rows:
                conn.execute(insert(tb.setups), rows)
            old = select(p.c.version).where(p.c.kind == pub.kind).order_by(p.c.version.desc())
            stale = list(conn.execute(old.offset(keep)).scalars())
            conn.execute(delete(tb.setups).where(tb.setups.c.version.in_(stale)))
            conn.execute(delete(p).where(p.c.version.in_(stale)))
        return int(version)

    def latest_version(self, kind: str) -> int | None:
        """Version number of the newest publication of ``kind`` (cheap; no blobs)."""
        p = tb.publications
        query = select(func.max(p.c.version)).where(p.c.kind == kind)
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else int(value)

    def publication(self, version: int) -> StoredPublication:
        """A stored publication with its setups."""
        p, s = tb.publications, tb.setups
        with self.engine.connect() as conn:
            row = conn.execute(select(p).where(p.c.version == version)).first()
            if row is None:
                raise NotFound(f"publication {version} is gone (superseded)")
            parts = list(conn.execute(select(s).where(s.c.version == version)))
        m = row._mapping
        return StoredPublication(
            version=m["version"],
            kind=m["kind"],
            created_at=m["created_at"],
            valid_until=m["valid_until"],
            max_batch=m["max_batch"],
            key=m["key"],
            setups={r.name: r.setup for r in parts},
            counts={r.name: int(r._mapping["count"]) for r in parts},
        )

    def append_audit(self, rec: AuditRecord) -> None:
        """Append one audit record, chained to the previous one by hash (tamper-evident)."""
        a = tb.audit
        with self._audit_lock, self.engine.begin() as conn:
            prev = conn.execute(select(a.c.hash).order_by(a.c.seq.desc()).limit(1)).scalar()
            prev_hash = prev or "0" * 64
            conn.execute(
                insert(a).values(
                    **_audit_row(rec), prev_hash=prev_hash, hash=_chain(prev_hash, rec)
                )
            )

    def audit_log(self) -> list[AuditRecord]:
        """Every audit record, oldest first; raises if the hash chain was tampered with."""
        a = tb.audit
        with self.engine.connect() as conn:
            rows = list(conn.execute(select(a).order_by(a.c.seq)))
        out, prev = [], "0" * 64
        for r in rows:
            rec = AuditRecord(**{k: r._mapping[k] for k in AuditRecord.__slots__})
            if r.prev_hash != prev or r.hash != _chain(prev, rec):
                raise RuntimeError(f"audit log broken at record {r.seq}")
            out.append(rec)
            prev = r.hash
        return out


def _entry_row(e: Entry) -> dict[str, Any]:
    return {
        "entry_id": e.entry_id,
        "token": e.token,
        "reason": e.reason.value,
        "source": e.source,
        "evidence": e.evidence,
        "case_id": e.case_id,
        "filed_at": e.filed_at,
        "expires_at": e.expires_at,
        "dispute": e.dispute.value,
    }


def _entry(m: Any) -> Entry:
    return Entry(
        entry_id=m["entry_id"],
        token=m["token"],
        reason=Reason(m["reason"]),
        source=m["source"],
        evidence=m["evidence"],
        filed_at=m["filed_at"],
        expires_at=m["expires_at"],
        dispute=DisputeState(m["dispute"]),
        case_id=m["case_id"],
    )


def _audit_row(rec: AuditRecord) -> dict[str, Any]:
    return {k: getattr(rec, k) for k in AuditRecord.__slots__}


def _chain(prev_hash: str, rec: AuditRecord) -> str:
    fields = [
        prev_hash,
        rec.at.astimezone(UTC).isoformat(timespec="microseconds"),
        rec.member,
        rec.action,
    ]
    fields += [rec.list_name, str(rec.batch_size), str(rec.version), str(rec.status), rec.detail]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
