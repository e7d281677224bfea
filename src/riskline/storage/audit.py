"""Tamper-evident audit log: a hash chain over every write that matters.

Each entry's ``hash`` is ``sha256(prev_hash || canonical entry)``, so changing, inserting or
deleting any past entry breaks every later link. Ledger writes are covered without an entry per
event: a ``ledger`` entry records the range of event sequence numbers and line-history ids its
transaction wrote and a digest of those rows (event payloads, decision bodies, line changes),
so editing a stored event, decision or line change, or deleting or slipping in a row, is caught
by ``verify`` too. Other writes (API keys, list entries, case actions) append their own entries in
the transaction that makes the change.

Appends are serialised (a transaction-scoped advisory lock on PostgreSQL; SQLite has one writer),
which also keeps each ledger transaction's sequence numbers out of any other entry's range.

The chain proves integrity of what it covers, not completeness of the tail: someone with write
access could drop the newest entries together with their rows. Export the head
(``riskline audit head``) to somewhere the database's writers cannot reach to close that gap.

>>> _link("0" * 64, {"kind": "key.created", "seq": 1})[:12]
'1ea1024009cf'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, select, text

from riskline.storage import tables as tb

__all__ = ["GENESIS", "AuditEntry", "AuditLog", "Breach", "VerifyReport", "ledger_digest"]

GENESIS = "0" * 64
_LAWFUL = ("privacy.erased", "retention.purged")
"""Entries that change covered rows on purpose; ``verify`` reads them before the walk."""
_LOCK_KEY = 0x5249534B  # "RISK": the advisory lock id that serialises appends on PostgreSQL


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One link of the chain."""

    seq: int
    at: datetime
    kind: str
    actor: str
    target: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Breach:
    """Where the chain or the rows it covers no longer match."""

    seq: int | None
    problem: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of walking the whole chain."""

    entries: int
    events_covered: int
    events_before_audit: int
    head: str
    breaches: tuple[Breach, ...]

    @property
    def ok(self) -> bool:
        """Whether nothing was found changed, inserted or removed."""
        return not self.breaches


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _bytes(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_canonical, option=orjson.OPT_SORT_KEYS)


def _link(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _bytes(body)).hexdigest()


def _body(
    seq: int, at: datetime, kind: str, actor: str, target: str, detail: Any
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": _canonical(at),
        "kind": kind,
        "actor": actor,
        "target": target,
        "detail": detail,
    }


def _event_rows(conn: Connection, *where: Any) -> Iterator[tuple[Any, ...]]:
    e, d = tb.events, tb.decisions
    q = (
        select(e.c.seq, e.c.event_id, e.c.fingerprint, e.c.decision_id, e.c.payload, d.c.body)
        .select_from(e.outerjoin(d, d.c.decision_id == e.c.decision_id))
        .where(*where)
        .order_by(e.c.seq)
    )
    for row in conn.execute(q):
        yield tuple(row)


def _change_rows(conn: Connection, after: int, upto: int) -> Iterator[tuple[Any, ...]]:
    h = tb.line_history
    cols = [h.c[name] for name in h.c.keys()]  # noqa: SIM118 - Column collection, not a dict
    q = select(*cols).where(h.c.id > after, h.c.id <= upto).order_by(h.c.id)
    for row in conn.execute(q):
        yield tuple(_canonical(v) for v in row)


def row_hash(row: tuple[Any, ...]) -> str:
    """The hash one stored row contributes to its ledger entry's digest."""
    return hashlib.sha256(_bytes(row)).hexdigest()


def ledger_digest(
    conn: Connection,
    events: tuple[int, int],
    changes: tuple[int, int],
    replaced: Mapping[int, str] | None = None,
) -> str:
    """sha256 over the row hashes of the stored events (with decisions) and line changes.

    ``replaced`` maps event sequence numbers rewritten by a recorded erasure to the hash their
    row had before, so a lawful erasure does not read as tampering.
    """
    replaced = replaced or {}
    digest = hashlib.sha256()
    n = 0
    for row in _event_rows(conn, tb.events.c.seq > events[0], tb.events.c.seq <= events[1]):
        digest.update((replaced.get(int(row[0])) or row_hash(row)).encode())
        n += 1
    digest.update(b"|")
    for row in _change_rows(conn, *changes):
        digest.update(row_hash(row).encode())
        n += 1
    digest.update(str(n).encode())
    return digest.hexdigest()


def event_rows(conn: Connection, seqs: list[int]) -> dict[int, tuple[Any, ...]]:
    """The rows :func:`ledger_digest` hashes, for some event sequence numbers."""
    return {int(row[0]): row for row in _event_rows(conn, tb.events.c.seq.in_(seqs))}


def _max(conn: Connection, column: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one())


class AuditLog:
    """Appends to and verifies the chain; every method takes the caller's connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _lock(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})

    def _head(self, conn: Connection) -> tuple[int, str]:
        a = tb.audit_log
        row = conn.execute(select(a.c.seq, a.c.hash).order_by(a.c.seq.desc()).limit(1)).first()
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    def append(
        self,
        conn: Connection,
        kind: str,
        actor: str,
        target: str,
        detail: Mapping[str, Any],
        at: datetime | None = None,
    ) -> str:
        """Add one entry inside ``conn``'s transaction; its hash."""
        self._lock(conn)
        seq, prev = self._head(conn)
        at = at or datetime.now(UTC)
        body = _body(seq + 1, at, kind, actor, target, dict(detail))
        digest = _link(prev, body)
        conn.execute(
            tb.audit_log.insert().values(
                seq=seq + 1,
                at=at,
                kind=kind,
                actor=actor,
                target=target,
                detail=_bytes(body["detail"]).decode(),
                prev_hash=prev,
                hash=digest,
            )
        )
        return digest

    def begin_ledger(self, conn: Connection) -> tuple[int, int]:
        """Take the chain lock before a ledger write; the event and change high-water marks."""
        self._lock(conn)
        return _max(conn, tb.events.c.seq), _max(conn, tb.line_history.c.id)

    def seal_ledger(self, conn: Connection, before: tuple[int, int], actor: str) -> str | None:
        """After a ledger write in the same transaction: one entry covering what it wrote."""
        events = (before[0], _max(conn, tb.events.c.seq))
        changes = (before[1], _max(conn, tb.line_history.c.id))
        if events[0] == events[1] and changes[0] == changes[1]:
            return None
        detail = {
            "events": list(events),
            "changes": list(changes),
            "digest": ledger_digest(conn, events, changes),
        }
        return self.append(conn, "ledger", actor, "events", detail)

    def entries(self, conn: Connection, kinds: Sequence[str] = ()) -> Iterator[AuditEntry]:
        """The chain in order (only entries of ``kinds`` when given)."""
        a = tb.audit_log
        q = select(a).order_by(a.c.seq)
        if kinds:
            q = q.where(a.c.kind.in_(kinds))
        for r in conn.execute(q).mappings():
            yield AuditEntry(
                int(r["seq"]),
                r["at"],
                r["kind"],
                r["actor"],
                r["target"],
                orjson.loads(r["detail"]),
                r["prev_hash"],
                r["hash"],
            )

    def head(self) -> tuple[int, str]:
        """The newest entry's sequence number and hash (export it to anchor the tail)."""
        with self.engine.connect() as conn:
            return self._head(conn)

    def verify(self) -> VerifyReport:
        """Walk the chain: links, covered rows, and rows no entry covers."""
        walk = _Walk()
        with self.engine.connect() as conn:
            for entry in self.entries(conn, _LAWFUL):
                walk.note_lawful_changes(entry)
            for entry in self.entries(conn):
                walk.link(entry)
                if entry.kind == "ledger":
                    walk.ledger(conn, entry)
            walk.tail(_max(conn, tb.events.c.seq), _max(conn, tb.line_history.c.id))
        return walk.report()


class _Walk:
    """The state of one ``verify`` pass over the chain."""

    def __init__(self) -> None:
        self.breaches: list[Breach] = []
        self.prev, self.n, self.covered = GENESIS, 0, 0
        self.first_event: int | None = None
        self.last: dict[str, int] = {}
        self.replaced: dict[int, str] = {}
        self.purged = (0, 0)

    def note_lawful_changes(self, entry: AuditEntry) -> None:
        """Erasures and retention purges recorded in the chain (first pass)."""
        if entry.kind == "privacy.erased":
            for seq, digest in entry.detail["rows"].items():
                self.replaced.setdefault(int(seq), digest)
        elif entry.kind == "retention.purged":
            upto = (int(entry.detail["events_upto"]), int(entry.detail["changes_upto"]))
            self.purged = max(self.purged, upto)

    def link(self, entry: AuditEntry) -> None:
        self.n += 1
        if entry.seq != self.n:
            self.breaches.append(Breach(entry.seq, f"expected entry {self.n}: entries removed"))
            self.n = entry.seq
        if entry.prev_hash != self.prev:
            self.breaches.append(Breach(entry.seq, "previous-hash link broken"))
        body = _body(entry.seq, entry.at, entry.kind, entry.actor, entry.target, entry.detail)
        if _link(entry.prev_hash, body) != entry.hash:
            self.breaches.append(Breach(entry.seq, "entry was edited (hash mismatch)"))
        self.prev = entry.hash

    def ledger(self, conn: Connection, entry: AuditEntry) -> None:
        ev: tuple[int, int] = (int(entry.detail["events"][0]), int(entry.detail["events"][1]))
        ch: tuple[int, int] = (int(entry.detail["changes"][0]), int(entry.detail["changes"][1]))
        if self.first_event is None:
            self.first_event = ev[0]
        for what, (start, end) in (("event", ev), ("line-change", ch)):
            last = self.last.get(what)
            if last is not None and start != last:
                self.breaches.append(
                    Breach(entry.seq, f"{what} rows after {last} up to {start} are in no entry")
                )
            self.last[what] = end
        purged = ev[1] <= self.purged[0] and ch[1] <= self.purged[1]
        if not purged and ledger_digest(conn, ev, ch, self.replaced) != entry.detail["digest"]:
            self.breaches.append(
                Breach(
                    entry.seq,
                    f"stored events {ev[0] + 1}..{ev[1]} or line changes "
                    f"{ch[0] + 1}..{ch[1]} were edited, added or removed",
                )
            )
        self.covered += ev[1] - ev[0]

    def tail(self, top_event: int, top_change: int) -> None:
        if self.first_event is None:
            self.first_event = top_event
        for what, top in (("event", top_event), ("line-change", top_change)):
            last = self.last.get(what)
            if last is not None and top > last:
                self.breaches.append(Breach(None, f"{what} rows after {last} are in no entry"))

    def report(self) -> VerifyReport:
        before = self.first_event or 0
        return VerifyReport(self.n, self.covered, before, self.prev, tuple(self.breaches))
