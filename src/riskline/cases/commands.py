"""CaseCommands: what a reviewer does to a case, with four-eyes approval for the drastic part.

Every command runs on the writer thread (see :func:`~riskline.cases.ports.on_writer`) and
appends to ``case_events`` (who, when, what, why) in the same transaction as the case change.
Closing a case labels its decisions and decides the appeals joined to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from riskline.cases import effects, repo
from riskline.cases.labels import write_labels
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import AppealLedger, Flagger, Writer, on_writer
from riskline.cases.types import (
    Case,
    CaseCommand,
    CaseStatus,
    Clear,
    ConfirmFraud,
    Escalate,
    PendingApproval,
    RequestInfo,
    Resolution,
    Reviewer,
)
from riskline.clock import Clock
from riskline.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from riskline.rules import ListStore

__all__ = ["CaseCommands"]

_Step = Callable[[Connection, Case, datetime], Case]


class CaseCommands:
    """Assign, confirm fraud, clear, request information, escalate, approve, reject."""

    def __init__(
        self,
        db: Engine,
        lines: effects.LineWriter,
        lists: ListStore,
        clock: Clock,
        policy: CasePolicy,
        writer: Writer | None = None,
        graph: Flagger | None = None,
        appeals: AppealLedger | None = None,
    ) -> None:
        self.db = db
        self.lines = lines
        self.lists = lists
        self.clock = clock
        self.policy = policy
        self.writer = writer
        self.graph = graph
        self.appeals = appeals
        """Labels the appealed decisions and decides the appeals of a closing case."""

    def assign(self, case_id: str, assignee: str, by: Reviewer, why: str = "") -> Case:
        """Give a case to a reviewer; assigning to someone else needs a supervisor or admin."""
        if assignee != by.id and not by.role.can_approve:
            raise Forbidden("only a supervisor or admin may assign a case to someone else")
        if not assignee.strip():
            raise InvalidInput("assignee must not be empty")

        def run(conn: Connection, case: Case, now: datetime) -> Case:
            _require_open(case, allow_pending=False)
            new = replace(case, assignee=assignee, status=CaseStatus.IN_PROGRESS)
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
            pending = _check_approver(case, by)
            params = dict(pending.params)
            owners = repo.owners_of(conn, repo.load_members(conn, case.case_id))
            done: list[dict[str, str]] = []
            if params.get("close"):
                done = self._lines(owners, "close", by, ("FRAUD_CONFIRMED",), now)
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
            resolution, why_ = Resolution.FRAUD, why or pending.why
            return self._close(conn, case, now, by, resolution, why_, "approved", details)

        return self._on_case(case_id, run)

    def reject(self, case_id: str, by: Reviewer, why: str) -> Case:
        """Refuse a pending four-eyes action; the case goes back to its reviewer."""
        if not why.strip():
            raise InvalidInput("a rejection needs a reason (why)")

        def run(conn: Connection, case: Case, now: datetime) -> Case:
            pending = _check_approver(case, by)
            new = replace(case, status=CaseStatus.IN_PROGRESS, pending=None)
            details = {"rejected": pending.action, "requested_by": pending.requested_by}
            return self._save(conn, case, new, "rejected", by, now, why, details)

        return self._on_case(case_id, run)

    # -- internals --------------------------------------------------------------
    def _on_case(self, case_id: str, fn: _Step) -> Case:
        def run() -> Case:
            now = self.clock.now()
            with self.db.begin() as conn:
                return fn(conn, repo.load_case(conn, case_id), now)

        return on_writer(self.writer, run)

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

    def _lines(
        self, owners: list[str], action: str, by: Reviewer, codes: tuple[str, ...], now: datetime
    ) -> list[dict[str, str]]:
        p = self.policy
        return effects.change_lines(
            self.lines, owners, action, by, codes, now, p.freeze_days, p.review_days
        )

    def _confirm(
        self, conn: Connection, case: Case, now: datetime, cmd: ConfirmFraud, by: Reviewer
    ) -> Case:
        case = _take(case, by)
        owners = repo.owners_of(conn, repo.load_members(conn, case.case_id))
        done = self._lines(owners, "freeze", by, ("FRAUD_CONFIRMED",), now)
        details: dict[str, Any] = {"lines": done, "close": cmd.close, "blocklist": cmd.blocklist}
        if cmd.close or cmd.blocklist:
            asked: dict[str, object] = {"close": cmd.close, "blocklist": cmd.blocklist}
            if cmd.group:  # a bulk request: one approval carries out the whole group
                asked["bulk"] = list(cmd.group)
                details["bulk"] = list(cmd.group)
            pending = PendingApproval("confirm_fraud", by.id, now, cmd.why, asked)
            new = replace(case, status=CaseStatus.PENDING_APPROVAL, pending=pending)
            return self._save(conn, case, new, "confirm_fraud_requested", by, now, cmd.why, details)
        return self._close(conn, case, now, by, Resolution.FRAUD, cmd.why, "confirm_fraud", details)

    def _clear(self, conn: Connection, case: Case, now: datetime, cmd: Clear, by: Reviewer) -> Case:
        case = _take(case, by)
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
        case = _take(case, by)
        notify = _recipients(conn, case.case_id)
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
        closed = CaseStatus.CLOSED
        new = replace(case, status=closed, resolution=resolution, closed_at=now, pending=None)
        new = self._save(conn, case, new, action, by, now, why, details)
        appealed = self.appeals.appealed_decisions(conn, case.case_id) if self.appeals else ()
        labelled = write_labels(conn, case.case_id, resolution, now, by, appealed)
        decided = self.appeals.decide(conn, case.case_id, resolution, now) if self.appeals else []
        summary = {
            "resolution": resolution.value,
            "labels": labelled,
            "appeals": decided,
            "notify": _recipients(conn, case.case_id),
        }
        repo.record(conn, case.case_id, "closed", by.id, by.role.value, now, why, summary)
        return new


def _take(case: Case, by: Reviewer) -> Case:
    """The case with the acting reviewer as assignee when nobody had it."""
    _require_open(case, allow_pending=False)
    return case if case.assignee else replace(case, assignee=by.id)


def _check_approver(case: Case, by: Reviewer) -> PendingApproval:
    """The pending four-eyes action, when ``by`` may approve or reject it."""
    if case.status is not CaseStatus.PENDING_APPROVAL or case.pending is None:
        raise IllegalTransition(f"case {case.case_id} has nothing waiting for approval")
    if not by.role.can_approve:
        raise Forbidden("approval needs a supervisor or admin")
    if by.id == case.pending.requested_by:
        raise Forbidden("four eyes: the approver must be a different reviewer")
    return case.pending


def _recipients(conn: Connection, case_id: str) -> list[str]:
    return list(repo.owners_of(conn, repo.load_members(conn, case_id)))


def _require_open(case: Case, allow_pending: bool) -> None:
    if case.status is CaseStatus.CLOSED:
        raise IllegalTransition(f"case {case.case_id} is closed")
    if case.status is CaseStatus.PENDING_APPROVAL and not allow_pending:
        raise Conflict(f"case {case.case_id} waits for a second reviewer's approval")
