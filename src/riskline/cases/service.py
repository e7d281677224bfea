"""CaseService: what the HTTP API, the CLI and the analyst console call, in one handle.

It only puts the three pieces side by side, each usable alone: :class:`CaseQueue` (queue and
case pages, read-only), :class:`CaseCommands` (reviewer actions and four-eyes approval, on the
writer thread) and :class:`CaseLabels` (training labels). Cases are opened by the follower and
by users' appeals (``riskline.notices``), both through :func:`~riskline.cases.open_case`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import Engine

from riskline.cases import effects
from riskline.cases.assign import Assigner
from riskline.cases.attachments import Attachments
from riskline.cases.bulk import BulkActions
from riskline.cases.commands import CaseCommands
from riskline.cases.follower import RingLookup
from riskline.cases.labels import CaseLabels
from riskline.cases.notes import CaseNotes
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import AppealLedger, Flagger, Writer
from riskline.cases.queue import CaseQueue, QueueStats
from riskline.cases.types import (
    Case,
    CaseCommand,
    CaseDetail,
    Clear,
    ConfirmFraud,
    Label,
    QueueFilter,
    Reviewer,
)
from riskline.clock import Clock
from riskline.rules import ListStore

__all__ = ["CaseService"]


class CaseService:
    """The queue, reviewer commands and labels of one database, built from one set of parts."""

    def __init__(
        self,
        db: Engine,
        lines: effects.LineWriter,
        lists: ListStore,
        clock: Clock,
        policy: CasePolicy | None = None,
        writer: Writer | None = None,
        graph: Flagger | None = None,
        appeals: AppealLedger | None = None,
        rings: RingLookup | None = None,
        attachments_dir: Path = Path("attachments"),
        attachment_max_bytes: int = 5 * 1024 * 1024,
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy or CasePolicy.default()
        self.reads = CaseQueue(db, clock)
        self.commands = CaseCommands(
            db, lines, lists, clock, self.policy, writer=writer, graph=graph, appeals=appeals
        )
        self.labelling = CaseLabels(db)
        self.notes = CaseNotes(db, clock)
        """Notes and tags."""
        self.attachments = Attachments(db, clock, attachments_dir, attachment_max_bytes)
        """Evidence files, kept outside the web root."""
        self.bulk = BulkActions(db, self.commands, rings)
        """Confirm or clear a ring's cases together."""
        self.assigner = Assigner(db, clock, self.policy.assignment, writer)
        """Shifts and auto-assignment."""

    def queue(self, flt: QueueFilter | None = None) -> list[Case]:
        """:meth:`CaseQueue.queue`."""
        return self.reads.queue(flt)

    def get(self, case_id: str) -> Case:
        """:meth:`CaseQueue.get`."""
        return self.reads.get(case_id)

    def detail(self, case_id: str) -> CaseDetail:
        """:meth:`CaseQueue.detail`."""
        return self.reads.detail(case_id)

    def case_for_decision(self, decision_id: str) -> Case | None:
        """:meth:`CaseQueue.case_for_decision`."""
        return self.reads.case_for_decision(decision_id)

    def stats(self) -> QueueStats:
        """:meth:`CaseQueue.stats`."""
        return self.reads.stats()

    def labels(self, since: datetime | None = None, until: datetime | None = None) -> list[Label]:
        """:meth:`CaseLabels.labels`."""
        return self.labelling.labels(since, until)

    def export_labels(self, out: IO[str] | Path, since: datetime | None = None) -> int:
        """:meth:`CaseLabels.export_labels`."""
        return self.labelling.export_labels(out, since)

    def assign(self, case_id: str, assignee: str, by: Reviewer, why: str = "") -> Case:
        """:meth:`CaseCommands.assign`."""
        return self.commands.assign(case_id, assignee, by, why)

    def act(self, case_id: str, command: CaseCommand, by: Reviewer) -> Case:
        """:meth:`CaseCommands.act`."""
        return self.commands.act(case_id, command, by)

    def approve(self, case_id: str, by: Reviewer, why: str = "") -> Case:
        """:meth:`CaseCommands.approve`; for a case of a bulk request, the whole group."""
        group = self._group(case_id)
        if group:
            done = self.bulk.approve(group, by, why)
            return next((c for c in done if c.case_id == case_id), self.get(case_id))
        return self.commands.approve(case_id, by, why)

    def reject(self, case_id: str, by: Reviewer, why: str) -> Case:
        """:meth:`CaseCommands.reject`; for a case of a bulk request, the whole group."""
        group = self._group(case_id)
        if group:
            done = self.bulk.reject(group, by, why)
            return next((c for c in done if c.case_id == case_id), self.get(case_id))
        return self.commands.reject(case_id, by, why)

    def _group(self, case_id: str) -> list[str]:
        pending = self.get(case_id).pending
        group = pending.params.get("bulk") if pending is not None else None
        return [str(x) for x in group] if isinstance(group, list) else []

    def act_bulk(
        self, case_id: str, case_ids: list[str], command: ConfirmFraud | Clear, by: Reviewer
    ) -> list[Case]:
        """:meth:`BulkActions.act`."""
        return self.bulk.act(case_id, case_ids, command, by)
