"""Challenges in the database: idempotent creation, the follower's cursor, optimistic saves."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from riskline.errors import Conflict, NotFound
from riskline.events import Event, decode_event
from riskline.identity import tables as it
from riskline.identity.challenges import Challenge, ChallengeStatus, Check
from riskline.projection import SqlCursors
from riskline.storage import tables as tb

__all__ = ["ChallengedDecision", "SqlChallengeStore"]


@dataclass(frozen=True, slots=True)
class ChallengedDecision:
    """A ledger row whose decision was ``challenge``: what the follower turns into a challenge."""

    seq: int
    decision_id: str
    event_id: str
    subject: str
    decided_at: Any
    person_id: str | None


class SqlChallengeStore:
    """Challenges, the follower cursor and read-only lookups in the ledger (SQLite/PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- follower -------------------------------------------------------------
    cursors = SqlCursors(it.cursors, "seq", at=None)
    """The follower's positions (``stepup_cursors``)."""

    def cursor(self, name: str) -> int:
        """The last ledger ``seq`` the follower ``name`` has handled (0 before the first run)."""
        with self.engine.connect() as conn:
            return self.cursors.read(conn, name)

    def challenged(self, conn: Connection, lo: int, hi: int) -> list[ChallengedDecision]:
        """Challenged decisions among the ledger rows with ``seq`` in (lo, hi], in order."""
        e, d, a = tb.events.c, tb.decisions.c, tb.accounts.c
        q = (
            select(e.seq, d.decision_id, d.event_id, d.subject, d.decided_at, a.person_id)
            .join_from(tb.events, tb.decisions, d.decision_id == e.decision_id)
            .outerjoin(tb.accounts, a.account_id == d.subject)
            .where(e.seq > lo, e.seq <= hi, d.outcome == "challenge")
            .order_by(e.seq)
        )
        return [ChallengedDecision(*r) for r in conn.execute(q)]

    def insert(self, conn: Connection, found: Sequence[Challenge]) -> int:
        """Insert challenges in the caller's transaction (an existing one for the same decision
        is kept); how many were new."""
        new = 0
        for c in found:
            insert = self._insert_ignore(it.challenges).values(**_row(c))
            new += len(conn.execute(insert.returning(it.challenges.c.challenge_id)).all())
        return new

    # -- challenges -----------------------------------------------------------
    def get(self, challenge_id: str) -> Challenge:
        """One challenge, or :class:`NotFound`."""
        return self._one(it.challenges.c.challenge_id == challenge_id, challenge_id)

    def by_decision(self, decision_id: str) -> Challenge:
        """The challenge of a decision, or :class:`NotFound`."""
        return self._one(it.challenges.c.decision_id == decision_id, f"for decision {decision_id}")

    def _one(self, where: Any, what: str) -> Challenge:
        with self.engine.connect() as conn:
            row = conn.execute(select(it.challenges).where(where)).mappings().first()
        if row is None:
            raise NotFound(f"no challenge {what}")
        return _challenge(row)

    def for_subject(self, subject: str, limit: int = 20) -> list[Challenge]:
        """A subject's most recent challenges."""
        c = it.challenges.c
        q = select(it.challenges).where(c.subject == subject).order_by(c.created_at.desc())
        with self.engine.connect() as conn:
            return [_challenge(r) for r in conn.execute(q.limit(limit)).mappings()]

    def awaiting_release(self, limit: int = 100) -> list[Challenge]:
        """Passed challenges whose held action has not been released yet."""
        c = it.challenges.c
        q = (
            select(it.challenges)
            .where(c.status == ChallengeStatus.PASSED.value, c.release_decision_id.is_(None))
            .order_by(c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_challenge(r) for r in conn.execute(q).mappings()]

    def save(self, before: Challenge, after: Challenge) -> Challenge:
        """Store ``after`` if the stored challenge is still ``before``; :class:`Conflict` if not."""
        stored = {**_row(after), "version": before.version + 1}
        c = it.challenges.c
        with self.engine.begin() as conn:
            res = conn.execute(
                update(it.challenges)
                .where(c.challenge_id == before.challenge_id, c.version == before.version)
                .values(**stored)
            )
        if res.rowcount != 1:
            raise Conflict(f"challenge {before.challenge_id} changed meanwhile; retry")
        return _challenge(stored)

    # -- ledger lookups (read-only) ---------------------------------------------
    def event(self, event_id: str) -> Event:
        """The stored event, or :class:`NotFound`."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tb.events.c.payload).where(tb.events.c.event_id == event_id)
            ).first()
        if row is None:
            raise NotFound(f"no event {event_id}")
        return decode_event(json.loads(row.payload))

    def _insert_ignore(self, table: Any) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()


def _row(c: Challenge) -> dict[str, Any]:
    return {
        "challenge_id": c.challenge_id,
        "decision_id": c.decision_id,
        "event_id": c.event_id,
        "seq": c.seq,
        "subject": c.subject,
        "person_id": c.person_id,
        "required": _checks(c.required),
        "passed_checks": _checks(c.passed),
        "status": c.status.value,
        "attempts": c.attempts,
        "max_attempts": c.max_attempts,
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "updated_at": c.updated_at,
        "device_id": c.device_id,
        "flags": json.dumps(list(c.flags)),
        "release_event_id": c.release_event_id,
        "release_decision_id": c.release_decision_id,
        "release_outcome": c.release_outcome,
        "version": c.version,
    }


def _checks(checks: Iterable[Check]) -> str:
    return ",".join(sorted(x.value for x in checks))


def _parse_checks(text: str) -> frozenset[Check]:
    return frozenset(Check(x) for x in text.split(",") if x)


def _challenge(r: Any) -> Challenge:
    return Challenge(
        challenge_id=r["challenge_id"],
        decision_id=r["decision_id"],
        event_id=r["event_id"],
        seq=int(r["seq"]),
        subject=r["subject"],
        person_id=r["person_id"],
        required=_parse_checks(r["required"]),
        passed=_parse_checks(r["passed_checks"]),
        status=ChallengeStatus(r["status"]),
        attempts=int(r["attempts"]),
        max_attempts=int(r["max_attempts"]),
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        updated_at=r["updated_at"],
        device_id=r["device_id"],
        flags=tuple(json.loads(r["flags"])),
        release_event_id=r["release_event_id"],
        release_decision_id=r["release_decision_id"],
        release_outcome=r["release_outcome"],
        version=int(r["version"]),
    )
