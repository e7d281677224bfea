"""The console's link to ``riskline.cases``: reviewers and queue figures.

The console calls the runtime's :class:`~riskline.cases.CaseService` (line changes and list
entries go through the engine's writer thread); the runtime's case follower opens cases from
review decisions after every commit, so the queue is current when a page is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskline.cases import CaseService, Reviewer, ReviewerRole
from riskline.ui.charts import Chart, hbar_chart
from riskline.ui.users import ConsoleUser

__all__ = ["OPEN_STATUSES", "QueueDepth", "queue_depth", "reviewer"]

OPEN_STATUSES = ("open", "in_progress", "awaiting_info", "escalated", "pending_approval")


def reviewer(user: ConsoleUser) -> Reviewer:
    """The case reviewer a console user acts as (the user name is the reviewer id).

    >>> from datetime import datetime, timezone
    >>> from riskline.ui.users import ConsoleRole
    >>> reviewer(ConsoleUser("sam", ConsoleRole.SUPERVISOR, datetime.now(timezone.utc))).role
    <ReviewerRole.SUPERVISOR: 'supervisor'>
    """
    return Reviewer(user.username, ReviewerRole(user.role.value), user.username)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Queue figures for the dashboard."""

    open: int
    overdue: int
    unassigned: int
    by_status: dict[str, int]
    chart: Chart


def queue_depth(cases: CaseService | None) -> QueueDepth | None:
    """Open, overdue and unassigned cases and a bar per open status (None without cases)."""
    if cases is None:
        return None
    stats = cases.stats()
    chart = hbar_chart(
        [
            (s, float(stats.by_status.get(s, 0)), f"{s}: {stats.by_status.get(s, 0)} cases")
            for s in OPEN_STATUSES
        ],
        cls="open",
    )
    return QueueDepth(stats.open, stats.overdue, stats.unassigned, dict(stats.by_status), chart)
