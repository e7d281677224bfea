"""A write-behind engine store: the engine decides the next batch while another process writes
the last one (``riskline evaluate`` on its throwaway database; two cores instead of one).

:class:`WriteBehindStore` is the engine's :class:`~riskline.decisioning.ports.EngineStore`
for one writer. ``commit`` hands the batch to a child process, which commits it through its
own :class:`~riskline.storage.SqlStore` on the same database, in order, one transaction per
batch as before; the engine goes on at once. What the engine reads back does not depend on
how far the child has got, so the decisions are those of the plain store:

- ``find_events``: the database's answer plus the batches handed over and not yet
  acknowledged (an acknowledged batch is committed, so a read started after it sees it);
- ``lines_for``: every line this store committed is kept here, by owner and product like the
  plain store's cache; an owner whose lines it never wrote is read from the database, where
  nothing of theirs changed since;
- everything else (stored decisions of replayed events, the ledger, flags): after waiting
  for the child to finish every batch handed over.

Not for serving: ``commit`` returns before the batch is durable, and a failed batch is
reported at the next call (``Unavailable``), not by the commit that handed it over.
"""

from __future__ import annotations

import io
import multiprocessing
import pickle
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from multiprocessing.connection import Connection
from types import MappingProxyType
from typing import Any, cast

from riskline.credit import CreditLine
from riskline.decisioning import Batch, Decision, Outcome, Reason
from riskline.decisioning.ports import LedgerEntry, StoredEvent
from riskline.errors import Unavailable
from riskline.events import Event
from riskline.storage import SqlStore

__all__ = ["WriteBehindStore"]


class _Logged:
    """What the writer reads of a ledger entry's event (``storage.rows.event_row``)."""

    __slots__ = ("event_id", "occurred_at", "subject", "type")

    def __init__(self, event_id: str, type_: str, subject: str, occurred_at: datetime) -> None:
        self.event_id = event_id
        self.type = type_
        self.subject = subject
        self.occurred_at = occurred_at


def _entry(
    event_id: str, type_: str, subject: str, at: datetime, payload: str, fp: str, decision: str
) -> LedgerEntry:
    logged = cast(Event, _Logged(event_id, type_, subject, at))
    return LedgerEntry(logged, payload, fp, decision)


def _reduce_entry(x: LedgerEntry) -> tuple[Any, tuple[Any, ...]]:
    e = x.event
    return _entry, (
        e.event_id,
        e.type,
        e.subject,
        e.occurred_at,
        x.payload,
        x.fingerprint,
        x.decision_id,
    )


def _decision(*fields: Any) -> Decision:
    values = list(fields)
    values[4] = Outcome(values[4])
    for i in (7, 8, 9):
        values[i] = MappingProxyType(values[i])
    return Decision(*values)


def _reduce_decision(d: Decision) -> tuple[Any, tuple[Any, ...]]:
    return _decision, (
        d.decision_id,
        d.event_id,
        d.event_type,
        d.subject,
        d.outcome.value,
        d.reasons,
        d.actions,
        dict(d.scores),
        dict(d.features),
        dict(d.versions),
        d.occurred_at,
        d.decided_at,
        d.latency_us,
        d.shadow,
    )


def _reason(code: str, text: str, evidence: dict[str, float | str]) -> Reason:
    return Reason(code, text, MappingProxyType(evidence))


def _reduce_reason(r: Reason) -> tuple[Any, tuple[Any, ...]]:
    return _reason, (r.code, r.text, dict(r.evidence))


def _read_only(values: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(values)


def _reduce_mapping(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _read_only, (dict(m),)


_REDUCERS: dict[type, Any] = {
    LedgerEntry: _reduce_entry,
    Decision: _reduce_decision,
    Reason: _reduce_reason,
    MappingProxyType: _reduce_mapping,
}
"""How a batch travels to the writer: decisions and reasons field by field (a dataclass's own
pickling is several times slower), ledger entries without their event object (the writer
stores the canonical JSON it already has), read-only mappings as dicts."""


def _dumps(batch: Batch) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(batch)
    return out.getvalue()


class WriteBehindStore:
    """Commits in a child process; reads answered as if every commit had finished."""

    def __init__(self, store: SqlStore, url: str) -> None:
        self.store = store
        self.url = url
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        self._proc = ctx.Process(target=_write_loop, args=(url, theirs), daemon=True)
        self._proc.start()
        theirs.close()
        self._pipe: Connection = ours
        self._sent = 0
        self._done = 0
        self._pending: dict[int, dict[str, StoredEvent]] = {}
        self._lines: dict[str, tuple[CreditLine, ...]] = {}
        self._failed: str | None = None

    def commit(self, batch: Batch) -> None:
        """Hand the batch to the writer (after any line it changes is cached here)."""
        self._drain(block=False)
        if not batch.events and not batch.changes and not batch.lines:
            return
        payload = _dumps(batch)
        self._cache_lines(batch.lines.values())
        self._pending[self._sent] = {
            e.event.event_id: StoredEvent(e.event.event_id, e.fingerprint, e.decision_id)
            for e in batch.events
        }
        self._sent += 1
        self._pipe.send_bytes(payload)

    def find_events(self, event_ids: Sequence[str]) -> Mapping[str, StoredEvent]:
        """See :class:`~riskline.decisioning.ports.EngineStore`."""
        self._drain(block=False)  # acknowledged batches are visible to the read below
        found = dict(self.store.find_events(event_ids))
        for pending in self._pending.values():
            found.update((i, pending[i]) for i in event_ids if i in pending)
        return found

    def lines_for(self, owner_ids: Iterable[str]) -> list[CreditLine]:
        """See :class:`~riskline.decisioning.ports.EngineStore`."""
        owners = list(dict.fromkeys(owner_ids))
        missing = [o for o in owners if o not in self._lines]
        if missing:
            loaded: dict[str, list[CreditLine]] = {o: [] for o in missing}
            for line in self.store.lines_for(missing):
                loaded[line.owner_id].append(line)
            self._lines.update((o, tuple(ls)) for o, ls in loaded.items())
        return [line for o in owners for line in self._lines[o]]

    def _cache_lines(self, lines: Iterable[CreditLine]) -> None:
        for line in lines:
            if line.owner_id not in self._lines:  # never read here: take the stored ones first
                self.lines_for([line.owner_id])
            by_product = {ln.product: ln for ln in self._lines[line.owner_id]}
            by_product[line.product] = line
            self._lines[line.owner_id] = tuple(by_product.values())

    def get_decisions(self, decision_ids: Sequence[str]) -> Mapping[str, Decision]:
        """See :class:`~riskline.decisioning.ports.EngineStore` (after every commit)."""
        if not decision_ids:
            return {}
        self.flush()
        return self.store.get_decisions(decision_ids)

    def iter_events(self) -> Iterable[Event]:
        """See :class:`~riskline.decisioning.ports.EngineStore` (after every commit)."""
        self.flush()
        return self.store.iter_events()

    def freezing_decisions(self) -> Iterable[Decision]:
        """See :class:`~riskline.decisioning.ports.EngineStore` (after every commit)."""
        self.flush()
        return self.store.freezing_decisions()

    def block_additions(self) -> Sequence[tuple[str | None, str, str, str]]:
        """See :class:`~riskline.decisioning.ports.EngineStore` (after every commit)."""
        self.flush()
        return self.store.block_additions()

    def flush(self) -> None:
        """Wait until every batch handed over is committed; ``Unavailable`` if one failed."""
        self._drain(block=True)

    def close(self) -> None:
        """Flush, then stop the writer."""
        try:
            if self._proc.is_alive() and self._failed is None:
                self.flush()
        finally:
            if self._proc.is_alive():
                self._pipe.send_bytes(b"")
                self._proc.join(timeout=60)
            if self._proc.is_alive():
                self._proc.terminate()
            self._pipe.close()

    def _drain(self, *, block: bool) -> None:
        while self._done < self._sent and self._failed is None:
            if not block and not self._pipe.poll():
                break
            try:
                error = self._pipe.recv()
            except EOFError:
                error = "the writer process ended"
            if error is not None:
                self._failed = str(error)
                break
            self._pending.pop(self._done, None)
            self._done += 1
        if self._failed is not None:
            raise Unavailable(
                f"the database writer failed, nothing more was stored: {self._failed}"
            )


def _write_loop(url: str, pipe: Connection) -> None:
    """The child: commit each batch received, in order, and answer None or the error."""
    from riskline.clock import SystemClock
    from riskline.storage import connect
    from riskline.stream.outbox import Outbox

    db = connect(url)
    store = SqlStore(db, outbox=Outbox(db, SystemClock(), stream_topics=frozenset()).record_in)
    try:
        while msg := pipe.recv_bytes():
            try:
                store.commit(pickle.loads(msg))
            except Exception as err:  # reported to the engine's process, which stops
                pipe.send(f"{type(err).__name__}: {err}")
                return
            pipe.send(None)
    finally:
        db.dispose()
