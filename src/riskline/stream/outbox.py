"""The transactional outbox: one row per effect, written once, delivered until done.

Effects of a decision (its record on the decisions stream, webhooks) become rows keyed by
(destination, topic, key); inserting them again changes nothing, so a worker that
crashed after committing decisions but before acknowledging the stream simply records
them again when the events come back. :class:`Relay` delivers pending rows: the stream
destination with a ``Nats-Msg-Id`` (the stream drops a repeat inside its duplicate
window), webhooks signed, with exponential backoff, and ``dead`` after ``max_attempts``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from riskline.clock import Clock
from riskline.decisioning import Decision
from riskline.storage.tables import UtcDateTime, metadata
from riskline.stream.webhooks import DEFAULT_TOPICS, Topic, WebhookSender, backoff

__all__ = ["STREAM", "Outbox", "Relay", "outbox_table", "webhook_endpoints"]

log = logging.getLogger(__name__)

STREAM = "stream"
"""The destination name of the decisions stream."""

outbox_table = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("destination", String(64), nullable=False),
    Column("topic", String(40), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("destination", "topic", "key", name="uq_outbox_destination"),
)
Index("ix_outbox_status", outbox_table.c.status, outbox_table.c.next_attempt_at)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("endpoint_id", String(32), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", String(128), nullable=False),
    Column("topics", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


class Outbox:
    """Writes effect rows; ``topics`` decide what a decision produces (pluggable)."""

    def __init__(
        self,
        db: Engine,
        clock: Clock,
        topics: Sequence[Topic] = DEFAULT_TOPICS,
        stream_topics: frozenset[str] = frozenset({"decision.created"}),
    ) -> None:
        self.db = db
        self.clock = clock
        self.topics = tuple(topics)
        self.stream_topics = stream_topics

    def endpoints(self, conn: Any) -> list[Mapping[str, Any]]:
        """Active webhook endpoints."""
        q = select(webhook_endpoints).where(webhook_endpoints.c.active.is_(True))
        return [dict(r) for r in conn.execute(q).mappings()]

    def record(self, decisions: Sequence[Decision]) -> int:
        """Rows for every effect of ``decisions``, in one transaction; returns rows new or old."""
        if not decisions:
            return 0
        with self.db.begin() as conn:
            return self.record_in(conn, decisions)

    def record_in(self, conn: Any, decisions: Sequence[Decision]) -> int:
        """The same inside the caller's transaction (the store's batch commit hook)."""
        endpoints = self.endpoints(conn)
        rows: list[dict[str, Any]] = []
        for topic in self.topics:
            targets = [STREAM] if topic.name in self.stream_topics else []
            targets += [
                f"webhook:{e['endpoint_id']}"
                for e in endpoints
                if topic.name in e["topics"].split(",")
            ]
            if not targets:
                continue
            for d in decisions:
                for key, data in topic.extract(d):
                    rows += [self._row(t, topic.name, key, data) for t in targets]
        return self._insert(conn, rows)

    def emit(self, conn: Any, topic: str, key: str, data: Mapping[str, Any]) -> int:
        """An effect from another package (e.g. ``case.opened``), inside its transaction."""
        targets = [STREAM] if topic in self.stream_topics else []
        targets += [
            f"webhook:{e['endpoint_id']}"
            for e in self.endpoints(conn)
            if topic in e["topics"].split(",")
        ]
        return self._insert(conn, [self._row(t, topic, key, data) for t in targets])

    def _row(self, dest: str, topic: str, key: str, data: Mapping[str, Any]) -> dict[str, Any]:
        now = self.clock.now()
        body = {"topic": topic, "id": key, "created_at": now.isoformat(), "data": data}
        return {
            "destination": dest,
            "topic": topic,
            "key": key,
            "payload": orjson.dumps(body, default=str).decode(),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }

    def _insert(self, conn: Any, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(outbox_table).on_conflict_do_nothing(), rows)
        return len(rows)


Publish = Callable[[Sequence[tuple[str, bytes, Mapping[str, str]]]], object]


class Relay:
    """Delivers pending outbox rows; safe to run in several processes (PostgreSQL)."""

    def __init__(
        self,
        db: Engine,
        clock: Clock,
        publish: Publish | None,
        subject: Callable[[Mapping[str, Any]], str],
        sender: WebhookSender | None = None,
        max_attempts: int = 8,
        base_delay: float = 2.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish
        self.subject = subject
        self.sender = sender
        self.max_attempts = max_attempts
        self.base_delay = base_delay

    def run_once(self, limit: int = 1000) -> int:
        """Deliver up to ``limit`` due rows; returns how many were tried."""
        now = self.clock.now()
        with self.db.begin() as conn:
            q = (
                select(outbox_table)
                .where(outbox_table.c.status == "pending", outbox_table.c.next_attempt_at <= now)
                .order_by(outbox_table.c.id)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            rows = [dict(r) for r in conn.execute(q).mappings()]
            if not rows:
                return 0
            secrets = {f"webhook:{e['endpoint_id']}": e for e in self._all_endpoints(conn)}
            to_stream = [r for r in rows if r["destination"] == STREAM]
            results = self._to_stream(to_stream)
            for r in rows:
                if r["destination"] != STREAM:
                    results[r["id"]] = self._to_webhook(r, secrets.get(r["destination"]))
            self._mark(conn, rows, results, now)
        return len(rows)

    def _all_endpoints(self, conn: Any) -> Iterable[Mapping[str, Any]]:
        return [dict(r) for r in conn.execute(select(webhook_endpoints)).mappings()]

    def _to_stream(self, rows: list[dict[str, Any]]) -> dict[int, str | None]:
        if not rows:
            return {}
        if self.publish is None:
            return {r["id"]: "no stream connection" for r in rows}
        items = [
            (
                self.subject(r),
                r["payload"].encode(),
                {"Nats-Msg-Id": f"{r['topic']}:{r['key']}"},
            )
            for r in rows
        ]
        try:
            self.publish(items)
        except Exception as err:
            return {r["id"]: f"publish failed: {type(err).__name__}: {err}" for r in rows}
        return {r["id"]: None for r in rows}

    def _to_webhook(self, row: dict[str, Any], endpoint: Mapping[str, Any] | None) -> str | None:
        if endpoint is None or not endpoint["active"]:
            return "endpoint removed"
        if self.sender is None:
            return "no webhook sender"
        try:
            self.sender.send(
                endpoint["url"],
                endpoint["secret"],
                row["topic"],
                f"{row['destination']}:{row['topic']}:{row['key']}",
                row["payload"].encode(),
            )
        except Exception as err:
            return str(err)
        return None

    def _mark(
        self, conn: Any, rows: list[dict[str, Any]], results: dict[int, str | None], now: datetime
    ) -> None:
        sent = [r["id"] for r in rows if results.get(r["id"], "not tried") is None]
        if sent:
            conn.execute(
                update(outbox_table)
                .where(outbox_table.c.id.in_(sent))
                .values(status="sent", sent_at=now, attempts=outbox_table.c.attempts + 1)
            )
        for r in rows:
            error = results.get(r["id"], "not tried")
            if error is None:
                continue
            attempts = r["attempts"] + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": error}
            if attempts >= self.max_attempts:
                values.update(status="dead")
                log.warning("outbox row %s dead after %d attempts: %s", r["id"], attempts, error)
            else:
                delay = backoff(attempts, self.base_delay)
                values.update(next_attempt_at=now + timedelta(seconds=delay))
            conn.execute(update(outbox_table).where(outbox_table.c.id == r["id"]).values(**values))
