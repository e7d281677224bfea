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
from riskline.cases.commands import CaseCommands
from riskline.cases.labels import CaseLabels
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import AppealLedger, Flagger, Writer
from riskline.cases.queue import CaseQueue, QueueStats
from riskline.cases.types import Case, CaseCommand, CaseDetail, Label, QueueFilter, Reviewer
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
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy or CasePolicy.default()
        self.reads = CaseQueue(db, clock)
        self.commands = CaseCommands(
            db, lines, lists, clock, self.policy, writer=writer, graph=graph, appeals=appeals
        )
        self.labelling = CaseLabels(db)

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
        """:meth:`CaseCommands.approve`."""
        return self.commands.approve(case_id, by, why)

    def reject(self, case_id: str, by: Reviewer, why: str) -> Case:
        """:meth:`CaseCommands.reject`."""
        return self.commands.reject(case_id, by, why)
