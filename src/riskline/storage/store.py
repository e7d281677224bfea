"""SqlStore: the ledger, decisions and credit lines on SQLite or PostgreSQL (one implementation)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from riskline.credit import CreditLine, LineChange, LineStatus
from riskline.decisioning import Batch, Decision, StoredEvent
from riskline.errors import Conflict, NotFound, Unavailable
from riskline.events import Event, decode_event
from riskline.storage import tables as tb
from riskline.storage.audit import AuditLog
from riskline.storage.lists import block_additions
from riskline.storage.rows import (
    change_from_row,
    change_row,
    decision_row,
    event_row,
    line_from_row,
    line_row,
)
from riskline.storage.serde import decision_from_row

__all__ = ["SqlStore"]

_CHUNK = 500
_UPDATE_LINE = (
    update(tb.credit_lines)
    .where(
        tb.credit_lines.c.line_id == bindparam("b_line_id"),
        tb.credit_lines.c.version == bindparam("b_version"),
    )
    .values({c.name: bindparam(c.name) for c in tb.credit_lines.c if c.name != "line_id"})
)


class SqlStore:
    """Implements the engine's store on any SQLAlchemy engine; every write is one transaction."""

    def __init__(
        self,
        engine: Engine,
        line_cache_owners: int = 500_000,
        outbox: Callable[[Any, Sequence[Decision]], object] | None = None,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        """Writes the effects of a batch's decisions (webhooks, stream) in its transaction."""
        self.line_cache_owners = line_cache_owners
        self.audit = AuditLog(engine)
        self._lines: dict[str, tuple[CreditLine, ...]] = {}
        """Write-through cache of line states by owner (this store is the writer); emptied on
        any failed commit, and every update is still checked against the stored version."""

    # -- ledger ---------------------------------------------------------------
    def find_events(self, event_ids: Sequence[str]) -> Mapping[str, StoredEvent]:
        """Ledger entries for those ids that are already stored."""
        found: dict[str, StoredEvent] = {}
        ids = list(dict.fromkeys(event_ids))
        with self.engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                q = select(
                    tb.events.c.event_id, tb.events.c.fingerprint, tb.events.c.decision_id
                ).where(tb.events.c.event_id.in_(ids[i : i + _CHUNK]))
                for r in conn.execute(q):
                    found[r.event_id] = StoredEvent(r.event_id, r.fingerprint, r.decision_id)
        return found

    def iter_events(self, batch_size: int = 5000) -> Iterator[Event]:
        """Every stored event in ledger (arrival) order."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(tb.events.c.seq, tb.events.c.payload)
                    .where(tb.events.c.seq > last)
                    .order_by(tb.events.c.seq)
                    .limit(batch_size)
                ).all()
            if not rows:
                return
            for r in rows:
                yield decode_event(json.loads(r.payload))
            last = rows[-1].seq

    def count_events(self) -> int:
        """How many events the ledger holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tb.events)).scalar_one())

    # -- decisions ------------------------------------------------------------
    def get_decisions(self, decision_ids: Sequence[str]) -> Mapping[str, Decision]:
        """Stored decisions by id (missing ids are left out)."""
        out: dict[str, Decision] = {}
        ids = list(dict.fromkeys(decision_ids))
        with self.engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                q = select(tb.decisions).where(tb.decisions.c.decision_id.in_(ids[i : i + _CHUNK]))
                for r in conn.execute(q).mappings():
                    out[r["decision_id"]] = decision_from_row(r)
        return out

    def get_decision(self, decision_id: str) -> Decision:
        """One decision, or :class:`NotFound`."""
        found = self.get_decisions([decision_id])
        if decision_id not in found:
            raise NotFound(f"no decision {decision_id}")
        return found[decision_id]

    def decisions_for(self, subject: str, limit: int = 50) -> list[Decision]:
        """Most recent decisions about a subject."""
        q = (
            select(tb.decisions)
            .where(tb.decisions.c.subject == subject)
            .order_by(tb.decisions.c.occurred_at.desc(), tb.decisions.c.decision_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [decision_from_row(r) for r in conn.execute(q).mappings()]

    def outcome_counts(self) -> dict[str, int]:
        """Decisions by outcome."""
        q = select(tb.decisions.c.outcome, func.count()).group_by(tb.decisions.c.outcome)
        with self.engine.connect() as conn:
            return {o: int(n) for o, n in conn.execute(q)}

    # -- lines ----------------------------------------------------------------
    def lines_for(self, owner_ids: Iterable[str]) -> list[CreditLine]:
        """Every line of those owners."""
        out: list[CreditLine] = []
        missing: list[str] = []
        for owner in dict.fromkeys(owner_ids):
            hit = self._lines.get(owner)
            if hit is None:
                missing.append(owner)
            else:
                out.extend(hit)
        if missing:
            found = self._load_lines(missing)
            if len(self._lines) + len(found) > self.line_cache_owners:
                self._lines.clear()
            self._lines.update(found)
            out.extend(line for lines in found.values() for line in lines)
        return out

    def _load_lines(self, owners: list[str]) -> dict[str, tuple[CreditLine, ...]]:
        found: dict[str, list[CreditLine]] = {o: [] for o in owners}
        with self.engine.connect() as conn:
            for i in range(0, len(owners), _CHUNK):
                q = select(tb.credit_lines).where(
                    tb.credit_lines.c.owner_id.in_(owners[i : i + _CHUNK])
                )
                for r in conn.execute(q).mappings():
                    found[r["owner_id"]].append(line_from_row(r))
        return {o: tuple(v) for o, v in found.items()}

    def _cache_lines(self, lines: Iterable[CreditLine]) -> None:
        for line in lines:
            cached = self._lines.get(line.owner_id)
            if cached is not None:
                by_product = {ln.product: ln for ln in cached}
                by_product[line.product] = line
                self._lines[line.owner_id] = tuple(by_product.values())

    def get_line(self, line_id: str) -> CreditLine:
        """One line, or :class:`NotFound`."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(tb.credit_lines).where(tb.credit_lines.c.line_id == line_id))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"no credit line {line_id}")
        return line_from_row(row)

    def lines_by_status(self, status: LineStatus, limit: int = 1000) -> list[CreditLine]:
        """Lines currently in ``status``."""
        q = select(tb.credit_lines).where(tb.credit_lines.c.status == status.value).limit(limit)
        with self.engine.connect() as conn:
            return [line_from_row(r) for r in conn.execute(q).mappings()]

    def line_history(self, line_id: str) -> list[LineChange]:
        """A line's changes, oldest first."""
        q = (
            select(tb.line_history)
            .where(tb.line_history.c.line_id == line_id)
            .order_by(tb.line_history.c.id)
        )
        with self.engine.connect() as conn:
            return [change_from_row(r) for r in conn.execute(q).mappings()]

    def freezing_decisions(self) -> list[Decision]:
        """The decisions that froze or closed a credit line; ``Unavailable`` without a database."""
        h = tb.line_history.c
        froze = h.to_status.in_([LineStatus.FROZEN.value, LineStatus.CLOSED.value])
        ids = select(h.decision_id).where(froze, h.decision_id.is_not(None))
        q = select(tb.decisions).where(tb.decisions.c.decision_id.in_(ids))
        with _reading(self.engine) as conn:
            return [decision_from_row(r) for r in conn.execute(q).mappings()]

    def block_additions(self) -> list[tuple[str | None, str, str, str]]:
        """Block-list additions in order: (last ledger event before, kind, value, source)."""
        with _reading(self.engine) as conn:
            return block_additions(conn)

    # -- accounts -------------------------------------------------------------
    def account(self, account_id: str) -> Mapping[str, Any]:
        """The account's person and opening time, or :class:`NotFound`."""
        q = select(tb.accounts).where(tb.accounts.c.account_id == account_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        if row is None:
            raise NotFound(f"no account {account_id}")
        return dict(row)

    # -- writes ---------------------------------------------------------------
    def commit(self, batch: Batch) -> None:
        """Write a whole batch in one transaction, or nothing."""
        if not batch.events and not batch.changes and not batch.lines:
            return
        try:
            with self.engine.begin() as conn:
                before = self.audit.begin_ledger(conn)
                self._write(conn, batch, datetime.now(UTC))
                self.audit.seal_ledger(conn, before, actor="ledger")
        except IntegrityError as err:
            self._lines.clear()
            raise Conflict(
                f"a concurrent writer stored part of this batch first: {err.orig}"
            ) from err
        except DBAPIError as err:
            self._lines.clear()
            raise Unavailable(f"database error, nothing was written: {err.orig}") from err
        except Exception:
            self._lines.clear()
            raise
        self._cache_lines(batch.lines.values())

    def _write(self, conn: Any, batch: Batch, now: datetime) -> None:
        if batch.events:
            self._bulk_insert(conn, tb.events, [event_row(entry, now) for entry in batch.events])
        if batch.decisions:
            self._bulk_insert(conn, tb.decisions, [decision_row(d) for d in batch.decisions])
        self._write_lines(conn, batch)
        if batch.changes:
            conn.execute(tb.line_history.insert(), [change_row(c) for c in batch.changes])
        if batch.accounts:
            accounts = [
                {"account_id": a, "person_id": p, "opened_at": datetime.fromisoformat(at)}
                for a, p, at in batch.accounts
            ]
            conn.execute(self._insert_ignore(tb.accounts), accounts)
        if self.outbox is not None and batch.decisions:
            self.outbox(conn, batch.decisions)

    def _write_lines(self, conn: Any, batch: Batch) -> None:
        new = [ln for lid, ln in batch.lines.items() if lid in batch.new_lines]
        if new:
            conn.execute(tb.credit_lines.insert(), [line_row(ln) for ln in new])
        rows = [
            {**line_row(ln), "b_line_id": lid, "b_version": batch.base_versions[lid]}
            for lid, ln in batch.lines.items()
            if lid not in batch.new_lines
        ]
        if not rows:
            return
        res = conn.execute(_UPDATE_LINE, rows)
        if res.rowcount != len(rows):
            raise Conflict("a credit line was changed by someone else while deciding; retry")

    def apply_change(self, line: CreditLine, new: CreditLine, change: LineChange) -> None:
        """Store one analyst/appeal change of a line (optimistic on the line version)."""
        batch = Batch(
            lines={new.line_id: new}, changes=[change], base_versions={line.line_id: line.version}
        )
        self.commit(batch)

    def _bulk_insert(self, conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        """executemany straight on the driver: the hot tables skip per-row SQLAlchemy binding.

        Timestamps become the column type's storage form here (ISO-8601 UTC text on SQLite).
        """
        names = list(rows[0])
        sqlite = self.engine.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        marks = ", ".join([mark] * len(names))
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
        stamps = {n for n in names if isinstance(table.c[n].type, tb.UtcDateTime)}
        seen: dict[datetime, Any] = {}

        def stored(value: datetime) -> Any:
            text = seen.get(value)
            if text is None:
                text = seen[value] = tb.utc_storage(value, sqlite)
            return text

        tuples = [tuple(stored(r[n]) if n in stamps else r[n] for n in names) for r in rows]
        conn.exec_driver_sql(sql, tuples)

    def _insert_ignore(self, table: Any) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A connection to read on; a database error becomes ``Unavailable`` (retryable)."""
    try:
        with engine.connect() as conn:
            yield conn
    except DBAPIError as err:
        raise Unavailable(f"database error: {err.orig}") from err
