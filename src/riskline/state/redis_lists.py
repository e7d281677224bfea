"""Block / allow / watch lists shared by every process: SQL stays the truth, Redis carries news.

Choice: a cache in front of SQL with invalidation by Redis pub/sub, not lists stored in Redis.
Lists are read on every decision and written rarely (analysts, case outcomes, consortium
imports); keeping every process's copy in memory keeps reads free of a network round trip,
and SQL keeps what lists need anyway (the audit trail, durability, one transaction with the
audit row). Every write publishes ``(list, kind, value)`` on ``<namespace>:lists``; each
process re-reads that one row from SQL (so out-of-order or repeated messages are harmless)
and applies it. Pub/sub delivers at most once, so a process also reloads everything when it
(re)subscribes and every ``resync_seconds``: a change reaches every process within the
pub/sub latency (milliseconds) normally and within ``resync_seconds`` whatever happens.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from riskline.rules import ListEntry, MemoryListStore
from riskline.state.shared import SharedState
from riskline.storage import SqlListStore
from riskline.storage import tables as tb

__all__ = ["SharedListStore"]

log = logging.getLogger(__name__)
_ALL = "*"


class SharedListStore(SqlListStore):
    """A ``SqlListStore`` whose adds and removes reach every process within a bounded time."""

    def __init__(self, engine: Engine, shared: SharedState, resync_seconds: float = 30.0) -> None:
        super().__init__(engine)
        self.shared = shared
        self.channel = shared.key("lists")
        self.resync_seconds = resync_seconds
        self.applied_ = 0
        self._lock = threading.Lock()  # a reload never swaps out a local write in flight
        self._stop = threading.Event()
        self._subscribed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="riskline-lists", daemon=True)
        self._thread.start()

    def add(self, entry: ListEntry, actor: str = "system") -> None:
        """Insert or replace the entry (SQL, audited), then tell the other processes."""
        with self._lock:
            super().add(entry, actor)
        self._publish([entry.list_name, entry.kind, entry.value])

    def remove(self, list_name: str, kind: str, value: str, actor: str = "system") -> bool:
        """Delete an entry (SQL, audited), then tell the other processes."""
        with self._lock:
            gone = super().remove(list_name, kind, value, actor)
        self._publish([list_name, kind, value])
        return gone

    def purge_expired(self, now: datetime) -> int:
        """Drop expired entries everywhere."""
        with self._lock:
            gone = super().purge_expired(now)
        if gone:
            self._publish(_ALL)
        return gone

    def wait_subscribed(self, timeout: float = 5.0) -> bool:
        """Block until the listener is subscribed (tests, start-up)."""
        return self._subscribed.wait(timeout)

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _publish(self, what: Any) -> None:
        try:
            self.shared.client.publish(self.channel, json.dumps(what))
        except self.shared.errors as err:  # SQL has the change; others get it at resync
            log.warning("list change not published (%s); peers catch up at resync", err)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except self.shared.errors as err:
                self._subscribed.clear()
                log.warning("list listener lost Redis (%s); retrying", err)
                self._stop.wait(1.0)
            except Exception:  # keep the listener alive: reads go on from memory
                log.exception("list listener failed; retrying")
                self._stop.wait(1.0)

    def _listen(self) -> None:
        pubsub = self.shared.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self.channel)
            self.reload()  # after subscribing: nothing written since can be missed
            self._subscribed.set()
            last = time.monotonic()
            while not self._stop.is_set():
                msg = pubsub.get_message(timeout=0.5)
                if msg is not None and msg.get("type") == "message":
                    self.apply(json.loads(msg["data"]))
                if time.monotonic() - last >= self.resync_seconds:
                    self.reload()
                    last = time.monotonic()
        finally:
            pubsub.close()

    def apply(self, what: Any) -> None:
        """Bring one (list, kind, value) -- or everything, for ``"*"`` -- in line with SQL."""
        if what == _ALL:
            self.reload()
            return
        list_name, kind, value = what
        c = tb.list_entries.c
        query = select(tb.list_entries).where(
            c.list_name == list_name, c.kind == kind, c.value == value
        )
        with self._lock:
            with self.engine.connect() as conn:
                row = conn.execute(query).mappings().first()
            if row is None:
                self._memory.remove(list_name, kind, value)
            else:
                self._memory.add(_entry(row))
            self.applied_ += 1

    def reload(self) -> None:
        """Replace the in-memory copy with the database's entries."""
        with self._lock:
            fresh = MemoryListStore()
            with self.engine.connect() as conn:
                for row in conn.execute(select(tb.list_entries)).mappings():
                    fresh.add(_entry(row))
            self._memory = fresh


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
