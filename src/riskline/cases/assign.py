"""Queues with auto-assignment: analysts on shift take the unassigned open cases.

Analysts start and end their shift (``case_shifts``; sealed in the audit chain). Auto-assignment
gives every unassigned open case, most urgent first, to an analyst on shift, by the case
policy's strategy (``assignment.strategy`` in ``case_policy.yaml``):

* ``least_loaded``: to whoever has the fewest open cases now (ties by name);
* ``round_robin``: to each in turn by name, carrying on after whoever got the last one.

Each assignment is an ``assigned`` entry in the case's trail (actor ``system``, with the
strategy). The runtime runs it after each projection pass when someone is on shift.

>>> pick_least_loaded({"ann": 2, "bob": 0, "cy": 0})
'bob'
>>> pick_round_robin(["ann", "bob", "cy"], last="bob")
'cy'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import Connection, Engine, delete, func, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.ports import Writer, on_writer
from riskline.cases.types import CaseStatus, Reviewer
from riskline.clock import Clock
from riskline.errors import InvalidInput, NotFound
from riskline.storage.audit import AuditLog

__all__ = ["STRATEGIES", "Assigner", "pick_least_loaded", "pick_round_robin"]

STRATEGIES = ("least_loaded", "round_robin")


def pick_least_loaded(load: Mapping[str, int]) -> str:
    """The reviewer with the fewest open cases (first by name on a tie)."""
    return min(sorted(load), key=lambda r: load[r])


def pick_round_robin(reviewers: Sequence[str], last: str | None) -> str:
    """The reviewer after ``last`` in name order (the first when ``last`` is off shift)."""
    ordered = sorted(reviewers)
    after = [r for r in ordered if last is not None and r > last]
    return (after or ordered)[0]


class Assigner:
    """Shifts and auto-assignment of the queue."""

    def __init__(
        self, db: Engine, clock: Clock, strategy: str = "least_loaded", writer: Writer | None = None
    ) -> None:
        if strategy not in STRATEGIES:
            raise InvalidInput(f"assignment strategy must be one of {', '.join(STRATEGIES)}")
        self.db = db
        self.clock = clock
        self.strategy = strategy
        self.writer = writer
        self.audit = AuditLog(db)

    def start_shift(self, reviewer: str, by: Reviewer) -> list[str]:
        """Put a reviewer on shift (yourself, or anyone as a supervisor); who is on shift."""
        self._may(reviewer, by)
        now = self.clock.now()
        with self.db.begin() as conn:
            row = {"reviewer": reviewer, "since": now}
            if conn.execute(repo.insert_ignore(conn, ct.case_shifts).values(row)).rowcount:
                self.audit.append(conn, "shift.started", by.id, f"reviewer:{reviewer}", {}, now)
        return self.on_shift()

    def end_shift(self, reviewer: str, by: Reviewer) -> list[str]:
        """Take a reviewer off shift (their cases stay theirs); who is on shift."""
        self._may(reviewer, by)
        now = self.clock.now()
        with self.db.begin() as conn:
            s = ct.case_shifts.c
            if not conn.execute(delete(ct.case_shifts).where(s.reviewer == reviewer)).rowcount:
                raise NotFound(f"{reviewer} is not on shift")
            self.audit.append(conn, "shift.ended", by.id, f"reviewer:{reviewer}", {}, now)
        return self.on_shift()

    @staticmethod
    def _may(reviewer: str, by: Reviewer) -> None:
        if not reviewer.strip():
            raise InvalidInput("reviewer must not be empty")
        if reviewer != by.id and not by.role.can_approve:
            raise InvalidInput("only a supervisor or admin may start or end someone else's shift")

    def on_shift(self) -> list[str]:
        """Reviewers on shift, by name."""
        s = ct.case_shifts.c
        with self.db.connect() as conn:
            return [str(r) for r in conn.execute(select(s.reviewer).order_by(s.reviewer)).scalars()]

    def assign_open(self, strategy: str | None = None, limit: int = 500) -> list[tuple[str, str]]:
        """Give unassigned open cases to reviewers on shift; (case id, reviewer) pairs."""
        how = strategy or self.strategy
        if how not in STRATEGIES:
            raise InvalidInput(f"assignment strategy must be one of {', '.join(STRATEGIES)}")
        return on_writer(self.writer, lambda: self._assign(how, limit))

    def _assign(self, how: str, limit: int) -> list[tuple[str, str]]:
        reviewers = self.on_shift()
        if not reviewers:
            return []
        c = ct.cases.c
        now = self.clock.now()
        done: list[tuple[str, str]] = []
        with self.db.begin() as conn:
            q = (
                select(ct.cases)
                .where(c.status == CaseStatus.OPEN.value, c.assignee.is_(None))
                .order_by(c.priority.desc(), c.due_at, c.case_id)
                .limit(limit)
            )
            waiting = [repo.case_from_row(r) for r in conn.execute(q).mappings()]
            if not waiting:
                return []
            counts = select(c.assignee, func.count()).where(
                c.status != CaseStatus.CLOSED.value, c.assignee.in_(reviewers)
            )
            load = dict.fromkeys(reviewers, 0)
            load.update({str(a): int(n) for a, n in conn.execute(counts.group_by(c.assignee))})
            last = self._last(conn)
            for case in waiting:
                if how == "least_loaded":
                    who = pick_least_loaded(load)
                else:
                    who = pick_round_robin(reviewers, last)
                new = replace(case, assignee=who, updated_at=now, version=case.version + 1)
                repo.save_case(conn, new, case.version)
                details = {"assignee": who, "strategy": how}
                repo.record(
                    conn, case.case_id, "auto_assigned", "system", "system", now, "", details
                )
                load[who] += 1
                last = who
                done.append((case.case_id, who))
        return done

    @staticmethod
    def _last(conn: Connection) -> str | None:
        e = ct.case_events.c
        q = (
            select(ct.case_events.c.details)
            .where(e.action == "auto_assigned")
            .order_by(e.id.desc())
            .limit(1)
        )
        row = conn.execute(q).scalar()
        return None if row is None else str(json.loads(row)["assignee"])
