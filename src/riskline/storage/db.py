"""Database connections: one SQLAlchemy engine per URL, SQLite tuned for durable WAL.

A SQLite URL ending in ``?scratch=true`` names a throwaway database (``riskline evaluate``'s
temporary file): no fsync and the rollback journal in memory, so a commit costs no disk flush
and each page is written once instead of to the WAL and again at the checkpoint. A crash can
corrupt such a file; never use it for a ledger that acknowledges anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from riskline.errors import InvalidConfig

__all__ = ["SCRATCH", "connect", "scratch_url"]

SCRATCH = "scratch"
"""The SQLite URL query flag of a throwaway database (``sqlite:///x.db?scratch=true``)."""


def scratch_url(path: str) -> str:
    """The SQLite URL of a throwaway database file at ``path``.

    >>> scratch_url("/tmp/x.db")
    'sqlite:////tmp/x.db?scratch=true'
    """
    return f"sqlite:///{path}?{SCRATCH}=true"


def connect(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, full fsync on commit and a busy timeout
    (a scratch database: no fsync, journal in memory)."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise InvalidConfig(f"RISKLINE_DATABASE_URL is not a database URL: {err}") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidConfig(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    if parsed.get_backend_name() == "sqlite":
        scratch = parsed.query.get(SCRATCH, "false") in ("true", "1")
        parsed = parsed.difference_update_query([SCRATCH])
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _scratch_pragmas if scratch else _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _scratch_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=MEMORY")
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages stay in SQLite's cache
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
