"""Users' appeals: an appeal against a notice joins the party's open case or opens one.

:class:`Appeals` takes an appeal (on the writer thread); :class:`AppealBook` is what closing a
case needs from the appeals joined to it (the decisions to label, the appeals to decide): the
case service is given one as its :class:`~riskline.cases.AppealLedger`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from riskline.cases import (
    Case,
    CasePolicy,
    Emit,
    LinkedDecision,
    Member,
    Resolution,
    Writer,
    on_writer,
    open_case,
    refresh,
    repo,
)
from riskline.cases import tables as ct
from riskline.clock import Clock
from riskline.notices import tables as nt
from riskline.storage import tables as tb

__all__ = ["AppealBook", "AppealReceipt", "Appeals"]


@dataclass(frozen=True, slots=True)
class AppealReceipt:
    """An appeal as stored: its id, the case it opened or joined, whether it is new."""

    appeal_id: str
    case: Case
    created: bool


class AppealBook:
    """The appeals joined to a case, as closing the case needs them (inside its transaction)."""

    def appealed_decisions(self, conn: Connection, case_id: str) -> list[LinkedDecision]:
        """Decisions behind the appealed notices, then the appellants' own decisions in the
        earlier cases those notices came from (an appeal relabels them; the newer label wins)."""
        ap, no, cd, d = nt.appeals.c, nt.notices.c, ct.case_decisions.c, tb.decisions.c
        appealed = (
            select(no.decision_id)
            .join(nt.appeals, ap.notice_id == no.notice_id)
            .where(ap.case_id == case_id, no.decision_id.is_not(None))
        )
        direct = select(d.decision_id, d.event_id, d.subject, d.occurred_at).where(
            d.decision_id.in_(appealed)
        )
        earlier = (
            select(cd.decision_id, cd.event_id, cd.subject, cd.occurred_at)
            .join(nt.notices, no.case_id == cd.case_id)
            .join(nt.appeals, ap.notice_id == no.notice_id)
            .where(ap.case_id == case_id, cd.subject == ap.account_id, cd.case_id != case_id)
        )
        rows = [*conn.execute(direct), *conn.execute(earlier)]
        return [(r.decision_id, r.event_id, r.subject, r.occurred_at) for r in rows]

    def decide(
        self, conn: Connection, case_id: str, resolution: Resolution, now: datetime
    ) -> list[str]:
        """Grant (case cleared) or uphold (fraud) the case's open appeals; their ids."""
        ap = nt.appeals.c
        ids = list(
            conn.execute(
                select(ap.appeal_id).where(ap.case_id == case_id, ap.status == "open")
            ).scalars()
        )
        if ids:
            outcome = "granted" if resolution is Resolution.LEGIT else "upheld"
            conn.execute(
                update(nt.appeals)
                .where(ap.appeal_id.in_(ids))
                .values(status="decided", outcome=outcome, decided_at=now)
            )
        return ids


def appeal_id_for(notice_id: str) -> str:
    """The id of the appeal against a notice (one appeal per notice).

    >>> appeal_id_for("n_1") == appeal_id_for("n_1")
    True
    """
    return "ap_" + hashlib.sha256(notice_id.encode()).hexdigest()[:20]


class Appeals:
    """Takes users' appeals: each joins or opens a case and moves its due time closer."""

    def __init__(
        self,
        db: Engine,
        clock: Clock,
        policy: CasePolicy,
        writer: Writer | None = None,
        emit: Emit | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy
        self.writer = writer
        self.emit = emit
        """Publishes ``case.opened`` when an appeal opens a case."""

    def appeal(
        self,
        notice_id: str,
        account_id: str,
        person_id: str | None,
        message: str,
        decision_id: str | None = None,
        party_kind: str = "account",
    ) -> AppealReceipt:
        """A user's appeal against a notice's action: joins the party's open case or opens one.

        One appeal per notice: appealing the same notice again returns the first appeal.
        ``party_kind`` is ``merchant`` for a merchant appealing a hold (it joins the merchant's
        review case).
        """
        members = [Member(party_kind, account_id)] + (
            [Member("person", person_id)] if person_id else []
        )

        def run() -> AppealReceipt:
            now = self.clock.now()
            with self.db.begin() as conn:
                ap = nt.appeals.c
                q = select(ap.appeal_id, ap.case_id).where(ap.notice_id == notice_id)
                row = conn.execute(q).first()
                if row is not None:
                    return AppealReceipt(row.appeal_id, repo.load_case(conn, row.case_id), False)
                case = self._case(conn, notice_id, members, decision_id, now)
                appeal_id = self._store(conn, notice_id, case, members, message, now)
                case = self._hasten(conn, case, now)
                details = {
                    "appeal_id": appeal_id,
                    "notice_id": notice_id,
                    "decision_id": decision_id,
                    "notify": [account_id],
                }
                actor = f"user:{account_id}"
                why = message[:500]
                repo.record(conn, case.case_id, "appeal_received", actor, "user", now, why, details)
                return AppealReceipt(appeal_id, case, True)

        return on_writer(self.writer, run)

    def _case(
        self,
        conn: Connection,
        notice_id: str,
        members: Sequence[Member],
        decision_id: str | None,
        now: datetime,
    ) -> Case:
        """The open case of the appealed decision, else of the appellant, else a new one."""
        if decision_id is not None:
            cd = ct.case_decisions.c
            q = select(cd.case_id).where(cd.decision_id == decision_id)
            linked = conn.execute(q).scalar()
            if linked is not None:
                found = repo.load_case(conn, linked)
                if found.status.is_open:
                    return found
        case = repo.find_open_case(conn, members)
        if case is not None:
            return case
        key = members[-1]
        return open_case(
            conn,
            case_id="c_" + hashlib.sha256(f"appeal:{notice_id}".encode()).hexdigest()[:20],
            group=("appeal", f"{key.kind}:{key.id}"),
            now=now,
            due_at=now + timedelta(hours=self.policy.appeal_hours),
            why="user appeal",
            details={"notice_id": notice_id},
            risk=self.policy.appeal_risk,
            emit=self.emit,
        )

    def _store(
        self,
        conn: Connection,
        notice_id: str,
        case: Case,
        members: Sequence[Member],
        message: str,
        now: datetime,
    ) -> str:
        repo.add_members(conn, case.case_id, members)
        appeal_id = appeal_id_for(notice_id)
        person = next((m.id for m in members if m.kind == "person"), None)
        conn.execute(
            nt.appeals.insert().values(
                appeal_id=appeal_id,
                notice_id=notice_id,
                case_id=case.case_id,
                account_id=members[0].id,
                person_id=person,
                message=message[:4000],
                received_at=now,
                status="open",
                outcome=None,
                decided_at=None,
            )
        )
        return appeal_id

    def _hasten(self, conn: Connection, case: Case, now: datetime) -> Case:
        """Refresh the case's numbers (an appeal alone carries the appeal risk) and bring its
        due time within the appeal SLA."""
        due = min(case.due_at, now + timedelta(hours=self.policy.appeal_hours))
        extra = self.policy.appeal_risk if case.decisions == 0 else None
        case = refresh(conn, self.policy, case, now, extra_risk=extra)
        if due < case.due_at:
            moved = replace(case, due_at=due, version=case.version + 1)
            repo.save_case(conn, moved, case.version)
            case = moved
        return case
