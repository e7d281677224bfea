"""The console's link to ``riskline.cases``: the service, the queue projection, reviewers.

The console builds its own :class:`~riskline.cases.CaseService` over the runtime (line
changes and list entries go through the engine's writer thread) and brings the review queue
up to date by running the :class:`~riskline.cases.CaseFollower` on that thread before it
lists cases, so a review decision shows up in the queue as soon as it is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from riskline.cases import (
    CaseFollower,
    CasePolicy,
    CaseService,
    QueueStats,
    Reviewer,
    ReviewerRole,
    RingLike,
)
from riskline.runtime import Runtime
from riskline.ui.charts import Chart, hbar_chart
from riskline.ui.users import ConsoleUser

__all__ = ["CaseDesk", "QueueDepth", "build_case_service", "queue_depth", "reviewer"]


class _Rings:
    """Ring lookup on the engine's current link graph (it is replaced on a rebuild)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def rings_for(self, kind: str, key: str) -> Sequence[RingLike]:
        graph = self.runtime.engine.graph
        if graph is None:
            return []
        risk: Any = getattr(graph, "risk", None)
        if risk is None or (kind, key) not in risk.graph:
            return []
        found: Sequence[RingLike] = risk.rings_for(kind, key)
        return found


@dataclass(slots=True)
class CaseDesk:
    """The case service and the follower that keeps the queue in step with decisions."""

    service: CaseService
    follower: CaseFollower
    runtime: Runtime

    async def refresh(self) -> int:
        """Link every review decision committed since the last pass (on the writer thread)."""
        linked: int = await self.runtime.ingestor.call_async(self.follower.catch_up)
        return linked


def build_case_service(runtime: Runtime, policy: CasePolicy | None = None) -> CaseDesk:
    """A case desk over ``runtime``: lines, lists and clock of the engine, its writer thread."""
    policy = policy or CasePolicy.default()
    clock = runtime.engine.clock
    service = CaseService(
        runtime.db, runtime.store, runtime.lists, clock, policy=policy, writer=runtime.ingestor
    )
    follower = CaseFollower(runtime.db, policy, clock, rings=_Rings(runtime))
    return CaseDesk(service, follower, runtime)


def reviewer(user: ConsoleUser) -> Reviewer:
    """The case reviewer a console user acts as (the user name is the reviewer id)."""
    return Reviewer(user.username, ReviewerRole(user.role.value), user.username)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Queue figures for the dashboard."""

    open: int
    overdue: int
    unassigned: int
    by_status: dict[str, int]
    chart: Chart


_OPEN_ORDER = ("open", "in_progress", "awaiting_info", "escalated", "pending_approval")


def queue_depth(desk: CaseDesk | None) -> QueueDepth | None:
    """Open, overdue and unassigned cases and a bar per open status (None without cases)."""
    if desk is None:
        return None
    stats: QueueStats = desk.service.stats()
    chart = hbar_chart(
        [
            (s, float(stats.by_status.get(s, 0)), f"{s}: {stats.by_status.get(s, 0)} cases")
            for s in _OPEN_ORDER
        ],
        cls="open",
    )
    return QueueDepth(stats.open, stats.overdue, stats.unassigned, dict(stats.by_status), chart)
