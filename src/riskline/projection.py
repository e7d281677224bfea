"""Following an append-only table after a durable cursor: the one algorithm every projection uses.

The case follower (``events.seq``), the notice follower (``line_history.id``, ``events.seq``,
``case_events.id``) and the step-up challenge follower (``events.seq``) each read an
append-only source in key order after a cursor stored in the database, and write what they
project and the moved cursor in ONE transaction. :class:`Follow` is that loop's step:

1. read the cursor;
2. the window: the next ``batch`` keys after it, up to ``top``;
3. hand (lo, top] to the caller's ``work``, where ``lo`` is the cursor, or ``rescan`` keys
   below it on a re-scanning step (see below);
4. move the cursor to ``top`` when ``work`` read something or it fell ``lazy`` keys behind
   (a pass over rows that project nothing stays read-only: no commit to flush);
5. say whether a full batch was read (more may follow).

Why re-scan: on PostgreSQL a key from a sequence is taken at insert time but visible at commit
time. With one writer commits are serial and keys become visible in order; with several
writing processes key 9 may still be in flight when key 10 is committed and read, and a cursor
moved to 10 would skip 9 for good. So the first step and every ``rescan_every``-th step after
re-read the last ``rescan`` keys below the cursor: a late commit is picked up as long as it
lands within that window (size it above the number of rows in flight at once). Projected rows
carry a unique key, so reading a row twice writes nothing twice.

>>> from riskline.storage.tables import events
>>> f = Follow("demo", events.c.seq, batch=100, rescan=10, rescan_every=3)
>>> [f.rescanning() for _ in range(5)]
[True, False, False, True, False]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import BigInteger, Column, Connection, String, Table, func, insert, select, update

from riskline.storage.tables import UtcDateTime, metadata

__all__ = [
    "PROJECTION_CURSORS",
    "Cursors",
    "Follow",
    "SqlCursors",
    "Window",
    "projection_cursors",
]

T = TypeVar("T")

projection_cursors = Table(
    "projection_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
"""Where the case and notice followers keep their positions (migration 0003)."""


class Cursors(Protocol):
    """Durable follower positions, read and moved inside the caller's transaction."""

    def read(self, conn: Connection, name: str) -> int:
        """The last position of follower ``name`` (0 when it never ran)."""
        ...

    def write(self, conn: Connection, name: str, position: int, at: datetime | None) -> None:
        """Move follower ``name`` to ``position`` at ``at`` (None where no time is kept)."""
        ...


class SqlCursors:
    """Positions in a table keyed by ``name``, in its ``position`` column (and ``at``, if any)."""

    def __init__(self, table: Table, position: str = "position", at: str | None = "updated_at"):
        self.table = table
        self.position = position
        self.at = at

    def read(self, conn: Connection, name: str) -> int:
        """The last position of follower ``name`` (0 when it never ran)."""
        t = self.table.c
        value = conn.execute(select(t[self.position]).where(t.name == name)).scalar_one_or_none()
        return int(value or 0)

    def write(self, conn: Connection, name: str, position: int, at: datetime | None) -> None:
        """Move follower ``name`` to ``position`` (creating its row on the first move)."""
        values: dict[str, Any] = {self.position: position}
        if self.at is not None:
            if at is None:
                raise ValueError(f"{self.table.name} keeps the time of each move: give it")
            values[self.at] = at
        moved = conn.execute(update(self.table).where(self.table.c.name == name).values(values))
        if moved.rowcount == 0:
            conn.execute(insert(self.table).values(name=name, **values))


PROJECTION_CURSORS = SqlCursors(projection_cursors)


@dataclass(frozen=True, slots=True)
class Window:
    """One step's range: keys in (lo, top] are read; ``cursor`` is where the step started."""

    cursor: int
    lo: int
    top: int
    full: bool
    """A whole batch was found after the cursor (more may follow)."""


class Follow:
    """A follower's position in one append-only source: bounded windows, re-scans, lazy moves."""

    def __init__(
        self,
        name: str,
        key: Any,
        *,
        batch: int,
        rescan: int = 0,
        rescan_every: int = 20,
        lazy: int = 0,
        cursors: Cursors = PROJECTION_CURSORS,
    ) -> None:
        self.name = name
        self.key = key
        """The source's append-only integer column (``events.c.seq``, ``line_history.c.id``)."""
        self.batch = batch
        self.rescan = rescan
        self.rescan_every = rescan_every
        self.lazy = lazy
        self.cursors = cursors
        self._steps = 0

    def rescanning(self) -> bool:
        """Whether this step re-reads below the cursor (the first, then every ``rescan_every``)."""
        due = self._steps % self.rescan_every == 0
        self._steps += 1
        return due

    def window(self, conn: Connection, rescan: bool) -> Window:
        """The range this step reads: up to ``batch`` keys after the cursor."""
        cursor = self.cursors.read(conn, self.name)
        keys = select(self.key.label("k")).where(self.key > cursor).order_by(self.key)
        sub = keys.limit(self.batch).subquery()
        found = conn.execute(select(func.max(sub.c.k), func.count())).one()
        top = int(found[0]) if found[0] is not None else cursor
        lo = max(0, cursor - self.rescan) if rescan else cursor
        return Window(cursor, lo, top, int(found[1]) >= self.batch)

    def step(
        self,
        conn: Connection,
        work: Callable[[Connection, int, int], tuple[T, bool]],
        empty: T,
        now: datetime | None,
        rescan: bool | None = None,
    ) -> tuple[T, bool]:
        """One bounded step inside the caller's transaction: ``work(conn, lo, top)`` returns
        (its result, whether it read any source row); this returns (that result, more to read).

        ``empty`` is the result when there is nothing to read; ``now`` is stored with the
        cursor (None for a cursor table that keeps no time); ``rescan`` overrides the schedule
        of :meth:`rescanning`.
        """
        w = self.window(conn, self.rescanning() if rescan is None else rescan)
        result, read = work(conn, w.lo, w.top) if w.top > w.lo else (empty, False)
        if w.top != w.cursor and (read or w.top - w.cursor >= self.lazy):
            self.cursors.write(conn, self.name, w.top, now)
        return result, w.full
