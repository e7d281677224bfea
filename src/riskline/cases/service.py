"""CaseService: the review queue and everything a reviewer does to a case.

Reads run on any thread. Writes (assign, act, approve, reject, appeal) change credit lines
and lists, so they run on the engine's single writer thread: give the service the
:class:`~riskline.service.Ingestor` as ``writer`` and every mutating call is queued there
(or run directly when already on it). Every write appends to ``case_events`` (who, when,
what, why) in the same transaction as the case change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, func, select, update

from riskline.cases import effects, repo
from riskline.cases import tables as ct
from riskline.cases.follower import refresh
from riskline.cases.policy import CasePolicy
from riskline.cases.types import (
    Case,
    CaseCommand,
    CaseDetail,
    CaseStatus,
    Clear,
    ConfirmFraud,
    Escalate,
    Label,
    Member,
    PendingApproval,
    QueueFilter,
    RequestInfo,
    Resolution,
    Reviewer,
)
from riskline.clock import Clock
from riskline.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from riskline.rules import ListStore
from riskline.storage import tables as tb

__all__ = ["AppealReceipt", "CaseService", "Flagger", "QueueStats", "Writer", "label_json"]

T = TypeVar("T")
_WRITER_THREAD = "riskline-writer"


class Flagger(Protocol):
    """Marks entities confirmed bad in the link graph (the engine's graph source does this)."""

    def flag(self, kind: str, key: str, reason: str) -> None: ...


class Writer(Protocol):
    """Runs a function on the single writer thread (``Ingestor.call``)."""

    def call(self, fn: Callable[[], T]) -> Future[T]: ...


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Queue depth by status and how many open cases are past their SLA."""

    by_status: dict[str, int]
    open: int
    overdue: int
    unassigned: int


@dataclass(frozen=True, slots=True)
class AppealReceipt:
    """An appeal as stored: its id, the case it opened or joined, whether it is new."""

    appeal_id: str
    case: Case
    created: bool


class CaseService:
    """Queue, case pages, assignment, actions with four-eyes approval, labels, appeals."""

    def __init__(
        self,
        db: Engine,
        lines: effects.LineWriter,
        lists: ListStore,
        clock: Clock,
        policy: CasePolicy | None = None,
        writer: Writer | None = None,
        graph: Flagger | None = None,
    ) -> None:
        self.db = db
        self.lines = lines
        self.lists = lists
        self.clock = clock
        self.policy = policy or CasePolicy.default()
        self.writer = writer
        self.graph = graph

    # -- reads ----------------------------------------------------------------
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

    def cases_for(self, kind: str, member_id: str) -> list[Case]:
        """Every case (open or closed) that groups this party, newest first."""
        m, c = ct.case_members.c, ct.cases.c
        q = (
            select(ct.cases)
            .join(ct.case_members, m.case_id == c.case_id)
            .where(m.kind == kind, m.member_id == member_id)
            .order_by(c.opened_at.desc(), c.case_id)
        )
        with self.db.connect() as conn:
            return [repo.case_from_row(r) for r in conn.execute(q).mappings()]

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

    def labels(self, since: datetime | None = None, until: datetime | None = None) -> list[Label]:
        """Training labels from closed cases, by label time (``labelled_at``) in [since, until).

        Labels are append-only: a case reopened by an appeal and decided again adds newer
        labels for the same decisions; take the latest per ``event_id``.
        """
        c = ct.case_labels.c
        q = select(ct.case_labels)
        if since is not None:
            q = q.where(c.labelled_at >= since)
        if until is not None:
            q = q.where(c.labelled_at < until)
        q = q.order_by(c.labelled_at, c.id)
        with self.db.connect() as conn:
            return [
                Label(
                    r["case_id"],
                    r["decision_id"],
                    r["event_id"],
                    r["subject"],
                    r["person_id"],
                    Resolution(r["label"]),
                    r["occurred_at"],
                    r["labelled_at"],
                    r["labelled_by"],
                )
                for r in conn.execute(q).mappings()
            ]

    def export_labels(self, out: IO[str] | Path, since: datetime | None = None) -> int:
        """Write labels as JSON lines (event time and label time included); how many."""
        rows = [label_json(lb) for lb in self.labels(since)]
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows)
        if isinstance(out, Path):
            out.write_text(text, encoding="utf-8")
        else:
            out.write(text)
        return len(rows)

    # -- writes ---------------------------------------------------------------
    def assign(self, case_id: str, assignee: str, by: Reviewer, why: str = "") -> Case:
        """Give a case to a reviewer; assigning to someone else needs a supervisor or admin."""
        if assignee != by.id and not by.role.can_approve:
            raise Forbidden("only a supervisor or admin may assign a case to someone else")
        if not assignee.strip():
            raise InvalidInput("assignee must not be empty")

        def run(conn: Connection, case: Case, now: datetime) -> Case:
            _require_open(case, allow_pending=False)
            status = CaseStatus.IN_PROGRESS
            new = replace(case, assignee=assignee, status=status)
            return self._save(conn, case, new, "assigned", by, now, why, {"assignee": assignee})

        return self._on_case(case_id, run)

    def act(self, case_id: str, command: CaseCommand, by: Reviewer) -> Case:
        """Confirm fraud, clear, request information or escalate (see the command types)."""
        if not command.why.strip():
            raise InvalidInput("every case action needs a reason (why)")
        match command:
            case ConfirmFraud():
                return self._on_case(case_id, lambda c, k, n: self._confirm(c, k, n, command, by))
            case Clear():
                return self._on_case(case_id, lambda c, k, n: self._clear(c, k, n, command, by))
            case RequestInfo():
                return self._on_case(case_id, lambda c, k, n: self._request(c, k, n, command, by))
            case Escalate():
                return self._on_case(case_id, lambda c, k, n: self._escalate(c, k, n, command, by))
        raise InvalidInput(f"unknown case action {command!r}")  # pragma: no cover

    def approve(self, case_id: str, by: Reviewer, why: str = "") -> Case:
        """Second pair of eyes: carry out the pending close / blocklist and close the case as fraud.

        The approver must be a supervisor or admin and not the reviewer who asked.
        """

        def run(conn: Connection, case: Case, now: datetime) -> Case:
            pending = self._check_approver(case, by)
            params = dict(pending.params)
            owners = repo.owners_of(conn, repo.load_members(conn, case.case_id))
            done = []
            if params.get("close"):
                done = effects.change_lines(
                    self.lines,
                    owners,
                    "close",
                    by,
                    ("FRAUD_CONFIRMED",),
                    now,
                    self.policy.freeze_days,
                    self.policy.review_days,
                )
            blocked = 0
            if params.get("blocklist"):
                found = effects.entities_of(conn, case.case_id, owners, self.policy.block_kinds)
                blocked = effects.blocklist(self.lists, found, case.case_id, now, pending.why)
                if self.graph is not None:  # like a block-list entry added over the API
                    for kind, value in sorted(found):
                        self.graph.flag(kind, value, f"blocklist:case:{case.case_id}")
            details = {
                "approved": pending.action,
                "requested_by": pending.requested_by,
                "lines": done,
                "blocklisted": blocked,
            }
            return self._close(
                conn, case, now, by, Resolution.FRAUD, why or pending.why, "approved", details
            )

        return self._on_case(case_id, run)

    def reject(self, case_id: str, by: Reviewer, why: str) -> Case:
        """Refuse a pending four-eyes action; the case goes back to its reviewer."""
        if not why.strip():
            raise InvalidInput("a rejection needs a reason (why)")

        def run(conn: Connection, case: Case, now: datetime) -> Case:
            pending = self._check_approver(case, by)
            new = replace(case, status=CaseStatus.IN_PROGRESS, pending=None)
            return self._save(
                conn,
                case,
                new,
                "rejected",
                by,
                now,
                why,
                {"rejected": pending.action, "requested_by": pending.requested_by},
            )

        return self._on_case(case_id, run)

    def appeal(
        self,
        notice_id: str,
        account_id: str,
        person_id: str | None,
        message: str,
        decision_id: str | None = None,
    ) -> AppealReceipt:
        """A user's appeal against a notice's action: joins the party's open case or opens one.

        One appeal per notice: appealing the same notice again returns the first appeal.
        """
        return self._write(
            lambda: self._appeal(notice_id, account_id, person_id, message, decision_id)
        )

    # -- internals --------------------------------------------------------------
    def _write(self, fn: Callable[[], T]) -> T:
        if self.writer is None or threading.current_thread().name == _WRITER_THREAD:
            return fn()
        return self.writer.call(fn).result()

    def _on_case(self, case_id: str, fn: Callable[[Connection, Case, datetime], Case]) -> Case:
        def run() -> Case:
            now = self.clock.now()
            with self.db.begin() as conn:
                return fn(conn, repo.load_case(conn, case_id), now)

        return self._write(run)

    def _save(
        self,
        conn: Connection,
        old: Case,
        new: Case,
        action: str,
        by: Reviewer,
        now: datetime,
        why: str,
        details: dict[str, Any],
    ) -> Case:
        new = replace(new, updated_at=now, version=old.version + 1)
        repo.save_case(conn, new, old.version)
        repo.record(conn, old.case_id, action, by.id, by.role.value, now, why, details)
        return new

    def _take(self, case: Case, by: Reviewer) -> Case:
        """The case with the acting reviewer as assignee when nobody had it."""
        _require_open(case, allow_pending=False)
        return case if case.assignee else replace(case, assignee=by.id)

    def _confirm(
        self, conn: Connection, case: Case, now: datetime, cmd: ConfirmFraud, by: Reviewer
    ) -> Case:
        case = self._take(case, by)
        owners = repo.owners_of(conn, repo.load_members(conn, case.case_id))
        done = effects.change_lines(
            self.lines,
            owners,
            "freeze",
            by,
            ("FRAUD_CONFIRMED",),
            now,
            self.policy.freeze_days,
            self.policy.review_days,
        )
        details: dict[str, Any] = {"lines": done, "close": cmd.close, "blocklist": cmd.blocklist}
        if cmd.close or cmd.blocklist:
            pending = PendingApproval(
                "confirm_fraud",
                by.id,
                now,
                cmd.why,
                {"close": cmd.close, "blocklist": cmd.blocklist},
            )
            new = replace(case, status=CaseStatus.PENDING_APPROVAL, pending=pending)
            return self._save(conn, case, new, "confirm_fraud_requested", by, now, cmd.why, details)
        return self._close(conn, case, now, by, Resolution.FRAUD, cmd.why, "confirm_fraud", details)

    def _clear(self, conn: Connection, case: Case, now: datetime, cmd: Clear, by: Reviewer) -> Case:
        case = self._take(case, by)
        members = repo.load_members(conn, case.case_id)
        owners = repo.owners_of(conn, members)
        done = effects.change_lines(self.lines, owners, "reinstate", by, ("CASE_CLEARED",), now)
        # only the cleared parties themselves: a device, phone, ID or card that a case
        # blocklisted may be shared with someone whose fraud was confirmed (lift those by hand)
        parties = {(m.kind, m.id) for m in members} | {("account", o) for o in owners}
        lifted = effects.unblock(self.lists, parties)
        allowed = 0
        if cmd.allowlist:
            allowed = effects.allowlist(
                self.lists, members, case.case_id, now, self.policy.allowlist_days, cmd.why
            )
        details = {"lines": done, "unblocked": lifted, "allowlisted": allowed}
        return self._close(conn, case, now, by, Resolution.LEGIT, cmd.why, "clear", details)

    def _request(
        self, conn: Connection, case: Case, now: datetime, cmd: RequestInfo, by: Reviewer
    ) -> Case:
        case = self._take(case, by)
        notify = self._recipients(conn, case.case_id)
        new = replace(case, status=CaseStatus.AWAITING_INFO)
        details = {"notify": notify, "ask": cmd.ask[:1000]}
        return self._save(conn, case, new, "info_requested", by, now, cmd.why, details)

    def _escalate(
        self, conn: Connection, case: Case, now: datetime, cmd: Escalate, by: Reviewer
    ) -> Case:
        _require_open(case, allow_pending=False)
        due = min(case.due_at, now + timedelta(hours=self.policy.escalated_hours))
        new = replace(case, status=CaseStatus.ESCALATED, assignee=None, due_at=due)
        return self._save(conn, case, new, "escalated", by, now, cmd.why, {"from": case.assignee})

    def _check_approver(self, case: Case, by: Reviewer) -> PendingApproval:
        if case.status is not CaseStatus.PENDING_APPROVAL or case.pending is None:
            raise IllegalTransition(f"case {case.case_id} has nothing waiting for approval")
        if not by.role.can_approve:
            raise Forbidden("approval needs a supervisor or admin")
        if by.id == case.pending.requested_by:
            raise Forbidden("four eyes: the approver must be a different reviewer")
        return case.pending

    def _close(
        self,
        conn: Connection,
        case: Case,
        now: datetime,
        by: Reviewer,
        resolution: Resolution,
        why: str,
        action: str,
        details: dict[str, Any],
    ) -> Case:
        new = replace(
            case, status=CaseStatus.CLOSED, resolution=resolution, closed_at=now, pending=None
        )
        new = self._save(conn, case, new, action, by, now, why, details)
        labelled = self._label(conn, case.case_id, resolution, now, by)
        appeals = self._decide_appeals(conn, case.case_id, resolution, now)
        repo.record(
            conn,
            case.case_id,
            "closed",
            by.id,
            by.role.value,
            now,
            why,
            {
                "resolution": resolution.value,
                "labels": labelled,
                "appeals": appeals,
                "notify": self._recipients(conn, case.case_id),
            },
        )
        return new

    def _label(
        self, conn: Connection, case_id: str, label: Resolution, now: datetime, by: Reviewer
    ) -> int:
        cd, ap, nt = ct.case_decisions.c, ct.appeals.c, ct.notices.c
        rows = {
            r.decision_id: (r.event_id, r.subject, r.occurred_at)
            for r in conn.execute(
                select(cd.decision_id, cd.event_id, cd.subject, cd.occurred_at).where(
                    cd.case_id == case_id
                )
            )
        }
        appealed = (
            select(nt.decision_id)
            .join(ct.appeals, ap.notice_id == nt.notice_id)
            .where(ap.case_id == case_id, nt.decision_id.is_not(None))
        )
        d = tb.decisions.c
        for r in conn.execute(
            select(d.decision_id, d.event_id, d.subject, d.occurred_at).where(
                d.decision_id.in_(appealed)
            )
        ):
            rows.setdefault(r.decision_id, (r.event_id, r.subject, r.occurred_at))
        # an appeal against an earlier case's outcome relabels the appellant's own decisions
        # there (the newer label wins; see labels())
        earlier = (
            select(cd.decision_id, cd.event_id, cd.subject, cd.occurred_at)
            .join(ct.notices, nt.case_id == cd.case_id)
            .join(ct.appeals, ap.notice_id == nt.notice_id)
            .where(ap.case_id == case_id, cd.subject == ap.account_id, cd.case_id != case_id)
        )
        for r in conn.execute(earlier):
            rows.setdefault(r.decision_id, (r.event_id, r.subject, r.occurred_at))
        persons = repo.persons_of(conn, [v[1] for v in rows.values()])
        values = [
            {
                "case_id": case_id,
                "decision_id": did,
                "event_id": ev,
                "subject": subj,
                "person_id": persons.get(subj),
                "label": label.value,
                "occurred_at": at,
                "labelled_at": now,
                "labelled_by": by.id,
            }
            for did, (ev, subj, at) in sorted(rows.items())
        ]
        if values:
            conn.execute(ct.case_labels.insert(), values)
        return len(values)

    def _decide_appeals(
        self, conn: Connection, case_id: str, resolution: Resolution, now: datetime
    ) -> list[str]:
        ap = ct.appeals.c
        ids = list(
            conn.execute(
                select(ap.appeal_id).where(ap.case_id == case_id, ap.status == "open")
            ).scalars()
        )
        if ids:
            outcome = "granted" if resolution is Resolution.LEGIT else "upheld"
            conn.execute(
                update(ct.appeals)
                .where(ap.appeal_id.in_(ids))
                .values(status="decided", outcome=outcome, decided_at=now)
            )
        return ids

    def _recipients(self, conn: Connection, case_id: str) -> list[str]:
        members = repo.load_members(conn, case_id)
        return list(repo.owners_of(conn, members))

    def _appeal(
        self,
        notice_id: str,
        account_id: str,
        person_id: str | None,
        message: str,
        decision_id: str | None,
    ) -> AppealReceipt:
        now = self.clock.now()
        ap = ct.appeals.c
        with self.db.begin() as conn:
            row = conn.execute(
                select(ap.appeal_id, ap.case_id).where(ap.notice_id == notice_id)
            ).first()
            if row is not None:
                return AppealReceipt(row.appeal_id, repo.load_case(conn, row.case_id), False)
            members = [Member("account", account_id)] + (
                [Member("person", person_id)] if person_id else []
            )
            case = None
            if decision_id is not None:
                linked = conn.execute(
                    select(ct.case_decisions.c.case_id).where(
                        ct.case_decisions.c.decision_id == decision_id
                    )
                ).scalar()
                if linked is not None:
                    found = repo.load_case(conn, linked)
                    case = found if found.status.is_open else None
            case = case or repo.find_open_case(conn, members)
            if case is None:
                case = self._open_appeal_case(conn, notice_id, members, now)
            repo.add_members(conn, case.case_id, members)
            appeal_id = "ap_" + hashlib.sha256(notice_id.encode()).hexdigest()[:20]
            conn.execute(
                ct.appeals.insert().values(
                    appeal_id=appeal_id,
                    notice_id=notice_id,
                    case_id=case.case_id,
                    account_id=account_id,
                    person_id=person_id,
                    message=message[:4000],
                    received_at=now,
                    status="open",
                    outcome=None,
                    decided_at=None,
                )
            )
            due = min(case.due_at, now + timedelta(hours=self.policy.appeal_hours))
            case = refresh(
                conn,
                self.policy,
                case,
                now,
                extra_risk=self.policy.appeal_risk if case.decisions == 0 else None,
            )
            if due < case.due_at:
                moved = replace(case, due_at=due, version=case.version + 1)
                repo.save_case(conn, moved, case.version)
                case = moved
            repo.record(
                conn,
                case.case_id,
                "appeal_received",
                f"user:{account_id}",
                "user",
                now,
                message[:500],
                {
                    "appeal_id": appeal_id,
                    "notice_id": notice_id,
                    "decision_id": decision_id,
                    "notify": [account_id],
                },
            )
            return AppealReceipt(appeal_id, case, True)

    def _open_appeal_case(
        self, conn: Connection, notice_id: str, members: list[Member], now: datetime
    ) -> Case:
        key = members[-1]
        case = Case(
            case_id="c_" + hashlib.sha256(f"appeal:{notice_id}".encode()).hexdigest()[:20],
            group_kind="appeal",
            group_key=f"{key.kind}:{key.id}",
            status=CaseStatus.OPEN,
            priority=0.0,
            exposure=Decimal(0),
            risk=self.policy.appeal_risk,
            opened_at=now,
            updated_at=now,
            due_at=now + timedelta(hours=self.policy.appeal_hours),
        )
        repo.save_case(conn, case, None)
        repo.record(
            conn,
            case.case_id,
            "opened",
            "system",
            "system",
            now,
            "user appeal",
            {"notice_id": notice_id},
        )
        return case


def _require_open(case: Case, allow_pending: bool) -> None:
    if case.status is CaseStatus.CLOSED:
        raise IllegalTransition(f"case {case.case_id} is closed")
    if case.status is CaseStatus.PENDING_APPROVAL and not allow_pending:
        raise Conflict(f"case {case.case_id} waits for a second reviewer's approval")


def label_json(lb: Label) -> dict[str, Any]:
    """A label as one JSON-lines record (``level: event``, like the simulator's labels)."""
    return {
        "level": "event",
        "case_id": lb.case_id,
        "decision_id": lb.decision_id,
        "event_id": lb.event_id,
        "subject": lb.subject,
        "person_id": lb.person_id,
        "label": lb.label.value,
        "is_fraud": 1 if lb.label is Resolution.FRAUD else 0,
        "occurred_at": lb.occurred_at.isoformat(),
        "labelled_at": lb.labelled_at.isoformat(),
        "labelled_by": lb.labelled_by,
    }
