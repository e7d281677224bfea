"""SQL helpers shared by the case follower and the case service (one connection, no commits)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from riskline.cases import tables as ct
from riskline.cases.types import (
    Case,
    CaseEvent,
    CaseLink,
    CaseStatus,
    Member,
    PendingApproval,
    Resolution,
)
from riskline.errors import Conflict, NotFound
from riskline.storage import tables as tb

__all__ = [
    "accounts_of",
    "add_members",
    "case_from_row",
    "exposure_of",
    "exposure_of_members",
    "find_open_case",
    "insert_ignore",
    "load_case",
    "load_events",
    "load_links",
    "load_members",
    "owners_of",
    "persons_of",
    "record",
    "save_case",
]


def insert_ignore(conn: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def case_from_row(r: Any) -> Case:
    """A :class:`Case` from a ``cases`` row."""
    pending = None
    if r["pending"]:
        p = json.loads(r["pending"])
        pending = PendingApproval(
            p["action"],
            p["requested_by"],
            datetime.fromisoformat(p["requested_at"]),
            p["why"],
            p.get("params", {}),
        )
    return Case(
        case_id=r["case_id"],
        group_kind=r["group_kind"],
        group_key=r["group_key"],
        status=CaseStatus(r["status"]),
        priority=float(r["priority"]),
        exposure=Decimal(r["exposure"]),
        risk=float(r["risk"]),
        opened_at=r["opened_at"],
        updated_at=r["updated_at"],
        due_at=r["due_at"],
        assignee=r["assignee"],
        resolution=Resolution(r["resolution"]) if r["resolution"] else None,
        closed_at=r["closed_at"],
        ring_id=r["ring_id"],
        decisions=int(r["decisions"]),
        pending=pending,
        version=int(r["version"]),
    )


def _case_values(case: Case) -> dict[str, Any]:
    pending = None
    if case.pending is not None:
        p = case.pending
        pending = json.dumps(
            {
                "action": p.action,
                "requested_by": p.requested_by,
                "requested_at": p.requested_at.isoformat(),
                "why": p.why,
                "params": p.params,
            }
        )
    return {
        "case_id": case.case_id,
        "group_kind": case.group_kind,
        "group_key": case.group_key,
        "status": case.status.value,
        "priority": case.priority,
        "exposure": case.exposure,
        "risk": case.risk,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "due_at": case.due_at,
        "assignee": case.assignee,
        "resolution": case.resolution.value if case.resolution else None,
        "closed_at": case.closed_at,
        "ring_id": case.ring_id,
        "decisions": case.decisions,
        "pending": pending,
        "version": case.version,
    }


def load_case(conn: Connection, case_id: str) -> Case:
    """One case, or :class:`NotFound`."""
    row = conn.execute(select(ct.cases).where(ct.cases.c.case_id == case_id)).mappings().first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return case_from_row(row)


def save_case(conn: Connection, case: Case, base_version: int | None) -> None:
    """Insert (``base_version`` None) or update a case, optimistic on its version."""
    values = _case_values(case)
    if base_version is None:
        conn.execute(ct.cases.insert().values(values))
        return
    c = ct.cases.c
    done = conn.execute(
        update(ct.cases).where(c.case_id == case.case_id, c.version == base_version).values(values)
    )
    if done.rowcount != 1:
        raise Conflict(f"case {case.case_id} was changed by someone else; reload and retry")


def record(
    conn: Connection,
    case_id: str,
    action: str,
    actor: str,
    role: str,
    at: datetime,
    why: str,
    details: Mapping[str, object] | None = None,
) -> None:
    """Append one audit entry."""
    conn.execute(
        ct.case_events.insert().values(
            case_id=case_id,
            action=action,
            actor=actor,
            actor_role=role,
            at=at,
            why=why,
            details=json.dumps(dict(details or {}), default=str, sort_keys=True),
        )
    )


def add_members(conn: Connection, case_id: str, members: Iterable[Member]) -> None:
    """Add parties to a case (already present ones are kept)."""
    rows = [{"case_id": case_id, "kind": m.kind, "member_id": m.id} for m in set(members)]
    if rows:
        conn.execute(insert_ignore(conn, ct.case_members), rows)


def load_members(conn: Connection, case_id: str) -> tuple[Member, ...]:
    """A case's parties, sorted."""
    c = ct.case_members.c
    q = select(c.kind, c.member_id).where(c.case_id == case_id).order_by(c.kind, c.member_id)
    return tuple(Member(k, i) for k, i in conn.execute(q))


def load_links(conn: Connection, case_id: str) -> tuple[CaseLink, ...]:
    """A case's decisions, oldest first."""
    c = ct.case_decisions.c
    q = select(ct.case_decisions).where(c.case_id == case_id).order_by(c.occurred_at, c.decision_id)
    return tuple(
        CaseLink(
            r["case_id"],
            r["decision_id"],
            r["event_id"],
            r["subject"],
            r["outcome"],
            tuple(json.loads(r["reason_codes"])),
            r["occurred_at"],
            r["linked_at"],
        )
        for r in conn.execute(q).mappings()
    )


def load_events(conn: Connection, case_id: str) -> tuple[CaseEvent, ...]:
    """A case's audit trail, oldest first."""
    c = ct.case_events.c
    q = select(ct.case_events).where(c.case_id == case_id).order_by(c.id)
    return tuple(
        CaseEvent(
            int(r["id"]),
            r["case_id"],
            r["action"],
            r["actor"],
            r["actor_role"],
            r["at"],
            r["why"],
            json.loads(r["details"]),
        )
        for r in conn.execute(q).mappings()
    )


def find_open_case(conn: Connection, members: Sequence[Member]) -> Case | None:
    """The oldest open case sharing any party with ``members``."""
    if not members:
        return None
    m = ct.case_members.c
    keys = [(x.kind, x.id) for x in dict.fromkeys(members)]
    q = (
        select(ct.cases)
        .join(ct.case_members, ct.case_members.c.case_id == ct.cases.c.case_id)
        .where(tuple_(m.kind, m.member_id).in_(keys), ct.cases.c.status != CaseStatus.CLOSED.value)
        .order_by(ct.cases.c.opened_at, ct.cases.c.case_id)
        .limit(1)
    )
    row = conn.execute(q).mappings().first()
    return None if row is None else case_from_row(row)


def persons_of(conn: Connection, account_ids: Iterable[str]) -> dict[str, str]:
    """account id -> person id, for known accounts."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    a = tb.accounts.c
    rows = conn.execute(select(a.account_id, a.person_id).where(a.account_id.in_(ids)))
    return {str(k): str(v) for k, v in rows}


def accounts_of(conn: Connection, person_ids: Iterable[str]) -> list[str]:
    """Every account of those persons."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return []
    a = tb.accounts.c
    q = select(a.account_id).where(a.person_id.in_(ids)).order_by(a.account_id)
    return list(conn.execute(q).scalars())


def owners_of(conn: Connection, members: Iterable[Member]) -> list[str]:
    """Line owners of a case's parties: its accounts, its persons' accounts, its enterprises."""
    members = list(members)
    owners = [m.id for m in members if m.kind in ("account", "enterprise")]
    owners += accounts_of(conn, [m.id for m in members if m.kind == "person"])
    return list(dict.fromkeys(owners))


def exposure_of_members(conn: Connection, members: Iterable[Member]) -> Decimal:
    """:func:`exposure_of` the line owners of a case's parties, in one query."""
    members = list(members)
    direct = [m.id for m in members if m.kind in ("account", "enterprise")]
    persons = [m.id for m in members if m.kind == "person"]
    c, a = tb.credit_lines.c, tb.accounts.c
    via_person = select(a.account_id).where(a.person_id.in_(persons))
    owned = or_(c.owner_id.in_(direct), c.owner_id.in_(via_person))
    return _exposure(conn.execute(select(c.status, c.credit_limit, c.outstanding).where(owned)))


def exposure_of(conn: Connection, owners: Sequence[str]) -> Decimal:
    """What the lender stands to lose: per line the larger of its limit and what is drawn
    (closed lines count only what is drawn)."""
    if not owners:
        return Decimal(0)
    c = tb.credit_lines.c
    q = select(c.status, c.credit_limit, c.outstanding).where(c.owner_id.in_(list(owners)))
    return _exposure(conn.execute(q))


def _exposure(rows: Iterable[Any]) -> Decimal:
    total = Decimal(0)
    for status, limit, drawn in rows:
        total += drawn if status == "closed" else max(limit, drawn)
    return total
