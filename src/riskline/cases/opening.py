"""Opening a case and keeping its numbers current: the one way a case comes to exist.

Both the case follower (a review decision) and a user's appeal (``riskline.notices``) open
cases through :func:`open_case`, so every case starts the same way: stored open, an ``opened``
entry in its audit trail, and ``case.opened`` published in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import Emit
from riskline.cases.types import Case, CaseStatus

__all__ = ["combine", "open_case", "refresh"]


def open_case(
    conn: Connection,
    *,
    case_id: str,
    group: tuple[str, str],
    now: datetime,
    due_at: datetime,
    why: str,
    details: Mapping[str, Any],
    risk: float = 0.0,
    ring_id: str | None = None,
    emit: Emit | None = None,
) -> Case:
    """Store a new open case, its ``opened`` audit entry and (given ``emit``) ``case.opened``.

    ``why`` and ``details`` say what opened it (a review decision, a user appeal); the caller
    adds its members and links, then calls :func:`refresh` to fill in its numbers.
    """
    kind, key = group
    case = Case(
        case_id=case_id,
        group_kind=kind,
        group_key=key,
        status=CaseStatus.OPEN,
        priority=0.0,
        exposure=Decimal(0),
        risk=risk,
        opened_at=now,
        updated_at=now,
        due_at=due_at,
        ring_id=ring_id,
        version=0,  # the caller's refresh() makes it 1, with its numbers filled in
    )
    repo.save_case(conn, case, None)
    repo.record(conn, case_id, "opened", "system", "system", now, why, details)
    if emit is not None:
        data = {
            "case_id": case_id,
            "group": f"{kind}:{key}",
            "ring_id": ring_id,
            "opened_at": now.isoformat(),
            **details,
        }
        emit(conn, "case.opened", case_id, data)
    return case


def refresh(
    conn: Connection,
    policy: CasePolicy,
    case: Case,
    now: datetime,
    *,
    ring_id: str | None = None,
    extra_risk: float | None = None,
) -> Case:
    """Recompute a stored case's exposure, risk, priority and due time from its members and
    links, and save it. ``case`` must be current within ``conn``'s transaction."""
    members = repo.load_members(conn, case.case_id)
    exposure = repo.exposure_of_members(conn, members)
    cd = ct.case_decisions.c
    risks = [
        float(r) for r in conn.execute(select(cd.risk).where(cd.case_id == case.case_id)).scalars()
    ]
    if extra_risk is not None:
        risks.append(extra_risk)
    risk = combine(risks) if risks else case.risk
    priority = policy.priority(exposure, risk)
    due = min(case.due_at, case.opened_at + timedelta(hours=policy.due_hours(priority)))
    new = replace(
        case,
        exposure=exposure,
        risk=risk,
        priority=priority,
        due_at=due,
        decisions=len(risks) - (1 if extra_risk is not None else 0),
        ring_id=case.ring_id or ring_id,
        updated_at=now,
        version=case.version + 1,
    )
    repo.save_case(conn, new, case.version)
    return new


def combine(risks: Sequence[float]) -> float:
    """Noisy-or of independent risks: 1 - prod(1 - r).

    >>> round(combine([0.5, 0.5]), 2)
    0.75
    """
    keep = 1.0
    for r in risks:
        keep *= 1.0 - min(1.0, max(0.0, r))
    return 1.0 - keep
