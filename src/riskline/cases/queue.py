"""CaseQueue: the review queue and case pages, read-only (any thread)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.types import Case, CaseDetail, CaseStatus, QueueFilter
from riskline.clock import Clock

__all__ = ["CaseQueue", "QueueStats"]


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Queue depth by status and how many open cases are past their SLA."""

    by_status: dict[str, int]
    open: int
    overdue: int
    unassigned: int


class CaseQueue:
    """Cases to work, one case with its parties and trail, queue statistics."""

    def __init__(self, db: Engine, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def queue(self, flt: QueueFilter | None = None) -> list[Case]:
        """Cases to work, most urgent first (priority = exposure x risk, then oldest due)."""
        flt = flt or QueueFilter()
        c = ct.cases.c
        statuses = [s.value for s in flt.statuses] or [
            s.value for s in CaseStatus if s is not CaseStatus.CLOSED
        ]
        q = select(ct.cases).where(c.status.in_(statuses))
        if flt.assignee is not None:
            q = q.where(c.assignee == flt.assignee)
        if flt.unassigned:
            q = q.where(c.assignee.is_(None))
        if flt.overdue_only:
            q = q.where(c.due_at < self.clock.now())
        if flt.tag is not None:
            tg = ct.case_tags.c
            q = q.where(select(tg.tag).where(tg.case_id == c.case_id, tg.tag == flt.tag).exists())
        q = q.order_by(c.priority.desc(), c.due_at, c.case_id).limit(flt.limit).offset(flt.offset)
        with self.db.connect() as conn:
            return [repo.case_from_row(r) for r in conn.execute(q).mappings()]

    def get(self, case_id: str) -> Case:
        """One case, or :class:`NotFound`."""
        with self.db.connect() as conn:
            return repo.load_case(conn, case_id)

    def detail(self, case_id: str) -> CaseDetail:
        """A case with its parties, linked decisions and audit trail."""
        with self.db.connect() as conn:
            return CaseDetail(
                repo.load_case(conn, case_id),
                repo.load_members(conn, case_id),
                repo.load_links(conn, case_id),
                repo.load_events(conn, case_id),
            )

    def case_for_decision(self, decision_id: str) -> Case | None:
        """The case a decision was linked to, if any."""
        cd = ct.case_decisions.c
        with self.db.connect() as conn:
            cid = conn.execute(select(cd.case_id).where(cd.decision_id == decision_id)).scalar()
            return None if cid is None else repo.load_case(conn, cid)

    def stats(self) -> QueueStats:
        """Queue depth by status, open, overdue and unassigned counts (for dashboards)."""
        c = ct.cases.c
        now = self.clock.now()
        closed = CaseStatus.CLOSED.value
        with self.db.connect() as conn:
            by = {
                s: int(n)
                for s, n in conn.execute(select(c.status, func.count()).group_by(c.status))
            }
            overdue = conn.execute(
                select(func.count()).where(c.status != closed, c.due_at < now)
            ).scalar_one()
            unassigned = conn.execute(
                select(func.count()).where(c.status != closed, c.assignee.is_(None))
            ).scalar_one()
        open_ = sum(n for s, n in by.items() if s != closed)
        return QueueStats(by, open_, int(overdue), int(unassigned))
