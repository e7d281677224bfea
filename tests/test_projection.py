"""The one follower algorithm (riskline.projection.Follow): windows, lazy cursor, re-scans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, create_engine

from riskline.projection import Follow, SqlCursors
from riskline.storage.tables import UtcDateTime

NOW = datetime(2026, 1, 1, tzinfo=UTC)
meta = MetaData()
source = Table("source", meta, Column("id", Integer, primary_key=True))
positions = Table(
    "positions",
    meta,
    Column("name", String(32), primary_key=True),
    Column("seq", Integer, nullable=False),
)


@pytest.fixture
def db() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    yield engine
    engine.dispose()


class Reader:
    """A projection's work: the source rows in (lo, hi] it was shown."""

    def __init__(self, reads: bool = True) -> None:
        self.seen: list[list[int]] = []
        self.reads = reads

    def __call__(self, conn: Connection, lo: int, hi: int) -> tuple[int, bool]:
        c = source.c
        rows = [
            int(r)
            for r in conn.execute(
                source.select().with_only_columns(c.id).where(c.id > lo, c.id <= hi).order_by(c.id)
            ).scalars()
        ]
        self.seen.append(rows)
        return len(rows), self.reads and bool(rows)


def _add(db: Engine, *ids: int) -> None:
    with db.begin() as conn:
        conn.execute(source.insert(), [{"id": i} for i in ids])


def _follow(**kw: int) -> Follow:
    return Follow("p", source.c.id, cursors=SqlCursors(positions, "seq", at=None), **kw)  # type: ignore[arg-type]


def _step(db: Engine, f: Follow, work: Reader, rescan: bool) -> tuple[int, bool]:
    with db.begin() as conn:
        return f.step(conn, work, 0, NOW, rescan)


def _cursor(db: Engine, f: Follow) -> int:
    with db.connect() as conn:
        return f.cursors.read(conn, f.name)


def test_a_late_commit_behind_the_cursor_is_read_by_the_next_rescan(db: Engine) -> None:
    f, work = _follow(batch=100, rescan=3), Reader()
    _add(db, 1, 2, 3, 4, 5, 7, 8)  # 6 is still in flight when 7 and 8 are read
    assert _step(db, f, work, rescan=False) == (7, False)
    assert _cursor(db, f) == 8
    _add(db, 6)  # ... and commits behind the cursor
    assert _step(db, f, work, rescan=False) == (0, False)  # nothing after the cursor
    assert _step(db, f, work, rescan=True) == (3, False)  # (5, 8] read again: 6 is seen
    assert work.seen == [[1, 2, 3, 4, 5, 7, 8], [6, 7, 8]]
    _add(db, 2_000)
    _step(db, f, work, rescan=False)
    _step(db, f, work, rescan=True)
    assert work.seen[-1] == [2_000]  # only the last `rescan` keys below the cursor, not more


def test_windows_are_bounded_by_batch_and_say_whether_more_follows(db: Engine) -> None:
    f, work = _follow(batch=2), Reader()
    _add(db, 1, 2, 3)
    assert _step(db, f, work, rescan=False) == (2, True)
    assert _step(db, f, work, rescan=False) == (1, False)
    assert work.seen == [[1, 2], [3]] and _cursor(db, f) == 3


def test_the_cursor_stays_while_nothing_is_projected_until_it_falls_lazy_behind(
    db: Engine,
) -> None:
    f, idle = _follow(batch=100, lazy=5), Reader(reads=False)
    _add(db, 1, 2, 3)
    _step(db, f, idle, rescan=False)
    assert _cursor(db, f) == 0  # read-only pass: no write to commit
    _add(db, 4, 5)
    _step(db, f, idle, rescan=False)
    assert _cursor(db, f) == 5  # five positions behind: moved


def test_rescans_come_on_the_first_step_and_every_rescan_every_after(db: Engine) -> None:
    f = _follow(batch=100, rescan=10, rescan_every=3)
    _add(db, *range(1, 21))
    with db.begin() as conn:
        windows = []
        for _ in range(5):
            rescan = f.rescanning()
            windows.append((rescan, f.window(conn, rescan).lo))
            f.cursors.write(conn, f.name, 20, NOW)
    assert windows == [(True, 0), (False, 20), (False, 20), (True, 10), (False, 20)]


def test_a_cursor_table_that_keeps_times_stores_them(db: Engine) -> None:
    timed = Table(
        "timed_positions",
        MetaData(),
        Column("name", String(32), primary_key=True),
        Column("position", Integer, nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    )
    timed.create(db)
    cursors = SqlCursors(timed)
    with db.begin() as conn:
        cursors.write(conn, "p", 3, NOW)
        cursors.write(conn, "p", 5, NOW)
        assert cursors.read(conn, "p") == 5
        with pytest.raises(ValueError, match="keeps the time"):
            cursors.write(conn, "p", 6, None)
