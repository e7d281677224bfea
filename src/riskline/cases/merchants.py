"""Merchant restrictions in the database: the engine's merchant book, and analysts' decisions.

:class:`SqlMerchantBook` is the engine's :class:`~riskline.decisioning.MerchantBook` over the
``merchant_actions`` table (migration 0012). When the policy holds a merchant's settlement or
caps its acceptance, :meth:`SqlMerchantBook.impose` stores the restriction, opens (or joins) the
merchant's review case (group ``merchant``, member ``merchant:<id>``), records a
``merchant_restricted`` case event (the notice follower turns it into a notice to the merchant,
with its reasons and how to appeal) and seals a ``merchant.restricted`` entry in the audit
chain, in one transaction. :class:`MerchantDesk` is what analysts do: release (the next payout
goes through) or confirm (held until released), each with a reason, a case event, an audit
chain entry, and the case closed (legit on release, fraud on confirm).

The book keeps every row in memory (restrictions are few) and is changed only on the writer
thread: by the engine after a commit, and by the desk through :func:`on_writer`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.follower import case_id_for
from riskline.cases.labels import write_labels
from riskline.cases.opening import open_case, refresh
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import AppealLedger, Writer, on_writer
from riskline.cases.types import CaseStatus, Member, Resolution, Reviewer
from riskline.clock import Clock
from riskline.decisioning import MerchantRestriction, MerchantState
from riskline.errors import InvalidInput, NotFound
from riskline.storage.audit import AuditLog

__all__ = ["MerchantDesk", "MerchantRecord", "SqlMerchantBook"]

_RISK = 0.8
"""The risk a merchant case starts with (the cash-out evidence named the merchant)."""


@dataclass(frozen=True, slots=True)
class MerchantRecord:
    """One stored restriction and what analysts decided about it."""

    id: int
    merchant_id: str
    kind: str
    status: str
    """``active`` (ends at ``until``), ``released`` or ``confirmed`` (held until released)."""
    reason_codes: tuple[str, ...]
    decision_id: str
    since: datetime
    until: datetime | None
    cap: Decimal | None
    case_id: str | None
    decided_by: str | None
    decided_at: datetime | None
    why: str | None

    def state(self, at: datetime) -> str:
        """``active``, ``expired``, ``released`` or ``confirmed`` at ``at``."""
        if self.status == "active" and self.until is not None and at >= self.until:
            return "expired"
        return self.status

    def restriction(self) -> MerchantRestriction:
        """As the engine sees it (a confirmed one does not expire)."""
        until = None if self.status == "confirmed" else self.until
        return MerchantRestriction(
            self.merchant_id,
            self.kind,
            self.reason_codes,
            self.since,
            until,
            self.decision_id,
            self.cap,
        )


def _record(r: Any) -> MerchantRecord:
    return MerchantRecord(
        int(r["id"]),
        r["merchant_id"],
        r["kind"],
        r["status"],
        tuple(json.loads(r["reason_codes"])),
        r["decision_id"],
        r["since"],
        r["until"],
        r["cap"],
        r["case_id"],
        r["decided_by"],
        r["decided_at"],
        r["why"],
    )


class SqlMerchantBook:
    """The engine's merchant book over ``merchant_actions``, cached in memory."""

    def __init__(self, db: Engine, clock: Clock, policy: CasePolicy | None = None) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy or CasePolicy.default()
        self.audit = AuditLog(db)
        self._rows: dict[str, list[MerchantRecord]] | None = None

    def reload(self) -> None:
        """Read the table again (after a change made outside this book)."""
        rows: dict[str, list[MerchantRecord]] = {}
        with self.db.connect() as conn:
            q = select(ct.merchant_actions).order_by(ct.merchant_actions.c.id)
            for r in conn.execute(q).mappings():
                rec = _record(r)
                rows.setdefault(rec.merchant_id, []).append(rec)
        self._rows = rows

    def records(self, merchant_id: str) -> list[MerchantRecord]:
        """Every restriction of one merchant, oldest first."""
        if self._rows is None:
            self.reload()
        assert self._rows is not None
        return list(self._rows.get(merchant_id, ()))

    def state(self, merchant_id: str, at: datetime) -> MerchantState:
        """See :class:`~riskline.decisioning.MerchantBook`."""
        live: list[MerchantRestriction] = []
        quiet: dict[str, datetime] = {}
        for rec in self.records(merchant_id):
            if rec.status == "released":
                if rec.until is not None and at < rec.until:
                    quiet[rec.kind] = max(rec.until, quiet.get(rec.kind, rec.until))
                continue
            restriction = rec.restriction()
            if restriction.in_force(at):
                live.append(restriction)
        return MerchantState(tuple(live), quiet)

    def impose(self, restrictions: Sequence[MerchantRestriction]) -> None:
        """Store new restrictions with their case, case event and audit entry (one transaction)."""
        now = self.clock.now()
        with self.db.begin() as conn:
            for r in restrictions:
                self._impose(conn, r, now)
        self.reload()

    def _impose(self, conn: Connection, r: MerchantRestriction, now: datetime) -> None:
        values = {
            "merchant_id": r.merchant_id,
            "kind": r.kind,
            "status": "active",
            "reason_codes": json.dumps(list(r.reason_codes)),
            "decision_id": r.decision_id,
            "since": r.since,
            "until": r.until,
            "cap": r.cap,
        }
        done = conn.execute(repo.insert_ignore(conn, ct.merchant_actions).values(values))
        if not done.rowcount:
            return  # already stored (a retried batch)
        member = Member("merchant", r.merchant_id)
        case = repo.find_open_case(conn, [member])
        if case is None:
            case = open_case(
                conn,
                case_id=case_id_for(f"{r.decision_id}:{r.kind}"),
                group=("merchant", r.merchant_id),
                now=now,
                due_at=now + timedelta(hours=self.policy.sla[-1][1]),
                why="merchant restricted by the policy",
                details={"decision_id": r.decision_id, "group": f"merchant:{r.merchant_id}"},
            )
            repo.add_members(conn, case.case_id, [member])
            case = refresh(conn, self.policy, case, now, extra_risk=_RISK)
        m = ct.merchant_actions.c
        conn.execute(
            update(ct.merchant_actions)
            .where(m.decision_id == r.decision_id, m.kind == r.kind)
            .values(case_id=case.case_id)
        )
        details = {
            "kind": r.kind,
            "merchant_id": r.merchant_id,
            "decision_id": r.decision_id,
            "reason_codes": list(r.reason_codes),
            "until": r.until.isoformat() if r.until else None,
            "cap": str(r.cap) if r.cap is not None else None,
            "notify": [r.merchant_id],
        }
        repo.record(conn, case.case_id, "merchant_restricted", "system", "system", now, "", details)
        target = f"merchant:{r.merchant_id}"
        self.audit.append(conn, "merchant.restricted", "engine", target, details, now)


class MerchantDesk:
    """What analysts do about merchant restrictions: list, release, confirm."""

    def __init__(
        self,
        book: SqlMerchantBook,
        writer: Writer | None = None,
        appeals: AppealLedger | None = None,
    ) -> None:
        self.book = book
        self.writer = writer
        self.appeals = appeals
        """Decides the merchant's appeals joined to the case it closes."""

    def records(self, merchant_id: str | None = None, limit: int = 200) -> list[MerchantRecord]:
        """Restrictions of one merchant, or the newest of all, newest first."""
        m = ct.merchant_actions.c
        q = select(ct.merchant_actions).order_by(m.id.desc()).limit(limit)
        if merchant_id is not None:
            q = q.where(m.merchant_id == merchant_id)
        with self.book.db.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def release(self, merchant_id: str, kind: str, by: Reviewer, why: str) -> list[MerchantRecord]:
        """End the merchant's restrictions of ``kind`` now: the next payout (or payment above
        the cap) goes through; the policy does not ask for it again before its expiry."""
        return self._decide(merchant_id, kind, by, why, "released", Resolution.LEGIT)

    def confirm(self, merchant_id: str, kind: str, by: Reviewer, why: str) -> list[MerchantRecord]:
        """Keep the merchant's restrictions of ``kind`` until an analyst releases them."""
        return self._decide(merchant_id, kind, by, why, "confirmed", Resolution.FRAUD)

    def _decide(
        self,
        merchant_id: str,
        kind: str,
        by: Reviewer,
        why: str,
        status: str,
        resolution: Resolution,
    ) -> list[MerchantRecord]:
        if not why.strip():
            raise InvalidInput(
                "releasing or confirming a merchant restriction needs a reason (why)"
            )
        if kind not in ("hold_settlement", "cap_acceptance"):
            raise InvalidInput("kind must be hold_settlement or cap_acceptance")

        def run() -> list[MerchantRecord]:
            now = self.book.clock.now()
            wanted = ("active", "confirmed") if status == "released" else ("active",)
            found = [
                r
                for r in self.book.records(merchant_id)
                if r.kind == kind and r.status in wanted and r.state(now) != "expired"
            ]
            if not found:
                raise NotFound(f"merchant {merchant_id} has no {kind} in force to {status[:-1]}")
            with self.book.db.begin() as conn:
                for rec in found:
                    self._store(conn, rec, status, by, why, now, resolution)
            self.book.reload()
            return [replace(r, status=status, decided_by=by.id, decided_at=now) for r in found]

        return on_writer(self.writer, run)

    def _store(
        self,
        conn: Connection,
        rec: MerchantRecord,
        status: str,
        by: Reviewer,
        why: str,
        now: datetime,
        resolution: Resolution,
    ) -> None:
        m = ct.merchant_actions.c
        until = now if status == "released" and rec.status == "confirmed" else rec.until
        conn.execute(
            update(ct.merchant_actions)
            .where(m.id == rec.id)
            .values(status=status, decided_by=by.id, decided_at=now, why=why, until=until)
        )
        action = f"merchant_{status}"
        details = {
            "kind": rec.kind,
            "merchant_id": rec.merchant_id,
            "decision_id": rec.decision_id,
            "notify": [rec.merchant_id] if status == "released" else [],
        }
        self.book.audit.append(
            conn,
            f"merchant.{status}",
            by.id,
            f"merchant:{rec.merchant_id}",
            {**details, "why": why},
            now,
        )
        if rec.case_id is None:
            return
        case = repo.load_case(conn, rec.case_id)
        repo.record(conn, case.case_id, action, by.id, by.role.value, now, why, details)
        if case.status is CaseStatus.CLOSED:
            return
        closed = replace(
            case,
            status=CaseStatus.CLOSED,
            resolution=resolution,
            closed_at=now,
            pending=None,
            assignee=case.assignee or by.id,
            updated_at=now,
            version=case.version + 1,
        )
        repo.save_case(conn, closed, case.version)
        labelled = write_labels(conn, case.case_id, resolution, now, by)
        decided = self.appeals.decide(conn, case.case_id, resolution, now) if self.appeals else []
        summary: dict[str, object] = {"resolution": resolution.value, "labels": labelled}
        summary.update(appeals=decided, notify=[])  # appellants hear the outcome of their appeal
        repo.record(conn, case.case_id, "closed", by.id, by.role.value, now, why, summary)
