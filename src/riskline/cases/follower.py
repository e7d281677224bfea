"""CaseFollower: the review queue as a projection of the decision log.

It reads decisions in ledger order (``events.seq``, joined to ``decisions`` by
``events.decision_id``) after a durable cursor (:class:`riskline.projection.Follow`: bounded
windows, re-scans below the cursor for late commits), and in ONE transaction opens or updates
the case of every review decision and moves the cursor. ``case_decisions.decision_id`` is the
primary key, so a decision joins at most one case and reading it again is harmless.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Connection, Engine, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.opening import open_case, refresh
from riskline.cases.policy import CasePolicy
from riskline.cases.ports import Emit
from riskline.cases.types import Case, Member
from riskline.clock import Clock
from riskline.decisioning import ActionKind, Decision, Outcome
from riskline.projection import Follow
from riskline.storage import tables as tb
from riskline.storage.serde import decision_from_row

__all__ = ["CaseFollower", "RingLike", "RingLookup", "asks_review", "case_id_for"]

log = logging.getLogger(__name__)


class RingLike(Protocol):
    """A detected ring: a stable id, its members as (kind, id) and a 0..1 score."""

    @property
    def id(self) -> str: ...

    @property
    def members(self) -> tuple[tuple[str, str], ...]: ...

    @property
    def score(self) -> float: ...


@runtime_checkable
class RingLookup(Protocol):
    """Rings an entity belongs to (``riskline.graph.GraphRisk`` answers this)."""

    def rings_for(self, kind: str, key: str) -> Sequence[RingLike]: ...


def case_id_for(decision_id: str) -> str:
    """The id of a case opened by a decision (deterministic, so a replay opens the same case).

    >>> case_id_for("d_1") == case_id_for("d_1")
    True
    """
    return "c_" + hashlib.sha256(decision_id.encode()).hexdigest()[:20]


class CaseFollower:
    """Opens and updates review cases from the decision log, after a durable cursor."""

    def __init__(
        self,
        db: Engine,
        policy: CasePolicy,
        clock: Clock,
        rings: RingLookup | None = None,
        name: str = "cases",
        batch: int = 2000,
        rescan: int = 1000,
        rescan_every: int = 20,
        lazy: int = 500,
        emit: Emit | None = None,
    ) -> None:
        self.db = db
        self.emit = emit
        """Publishes ``case.opened`` (webhooks) in the transaction that opens the case."""
        self.policy = policy
        self.clock = clock
        self.rings = rings
        self.follow = Follow(
            name, tb.events.c.seq, batch=batch, rescan=rescan, rescan_every=rescan_every, lazy=lazy
        )
        """The position in the ledger. The cursor moves only when a candidate decision was read
        or it fell ``lazy`` positions behind: a pass over approvals only stays read-only."""

    def catch_up(self) -> int:
        """Project every decision committed since the last pass; how many decisions were linked."""
        linked = 0
        while True:
            with self.db.begin() as conn:
                done, more = self.step(conn)
            linked += done
            if not more:
                return linked

    def step(self, conn: Connection, rescan: bool | None = None) -> tuple[int, bool]:
        """One bounded step inside the caller's transaction: (decisions linked, more to read).

        Re-reads the ``rescan`` window below the cursor on the first step and every
        ``rescan_every`` steps after (or as ``rescan`` says).
        """
        return self.follow.step(conn, self._project, 0, self.clock.now(), rescan)

    def _project(self, conn: Connection, lo: int, hi: int) -> tuple[int, bool]:
        found, read = self._review_decisions(conn, lo, hi)
        for decision in found:
            self._link(conn, decision)
        return len(found), read

    def _review_decisions(self, conn: Connection, lo: int, hi: int) -> tuple[list[Decision], bool]:
        """Decisions in (lo, hi] that ask for review and are not linked yet, in ledger order.

        A review outcome asks for review; so does a decline that also opened a review
        (a risk reason and a credit-gate decline on the same event).
        """
        e, d, cd = tb.events.c, tb.decisions.c, ct.case_decisions.c
        linked = select(cd.decision_id).where(cd.decision_id == d.decision_id).exists()
        wanted = (Outcome.REVIEW.value, Outcome.DECLINE.value)
        q = (
            select(tb.decisions)
            .join(tb.events, e.decision_id == d.decision_id)
            .where(e.seq > lo, e.seq <= hi, d.outcome.in_(wanted), ~linked)
            .order_by(e.seq)
        )
        found = [decision_from_row(r) for r in conn.execute(q).mappings()]
        return [x for x in found if asks_review(x)], bool(found)

    def _link(self, conn: Connection, decision: Decision) -> None:
        now = self.clock.now()
        members, ring_id = self._members(conn, decision)
        case = repo.find_open_case(conn, members)
        risk = self.policy.decision_risk(decision.outcome.value, decision.scores)
        if case is None:
            case = self._open(conn, decision, members, ring_id, now)
        else:
            repo.record(
                conn,
                case.case_id,
                "decision_linked",
                "system",
                "system",
                now,
                "",
                {"decision_id": decision.decision_id},
            )
        repo.add_members(conn, case.case_id, members)
        conn.execute(
            repo.insert_ignore(conn, ct.case_decisions).values(
                decision_id=decision.decision_id,
                case_id=case.case_id,
                event_id=decision.event_id,
                subject=decision.subject,
                outcome=decision.outcome.value,
                reason_codes=json.dumps(list(decision.reason_codes)),
                risk=risk,
                occurred_at=decision.occurred_at,
                linked_at=now,
            )
        )
        refresh(conn, self.policy, case, now, ring_id=ring_id)

    def _open(
        self,
        conn: Connection,
        decision: Decision,
        members: Sequence[Member],
        ring_id: str | None,
        now: datetime,
    ) -> Case:
        group = _group(members, ring_id)
        return open_case(
            conn,
            case_id=case_id_for(decision.decision_id),
            group=group,
            now=now,
            due_at=now + timedelta(hours=self.policy.sla[-1][1]),
            why="review decision",
            details={"decision_id": decision.decision_id, "group": f"{group[0]}:{group[1]}"},
            ring_id=ring_id,
            emit=self.emit,
        )

    def _members(self, conn: Connection, decision: Decision) -> tuple[list[Member], str | None]:
        """The parties a decision concerns, and the ring it points to (if any)."""
        subject = decision.subject
        person = repo.persons_of(conn, [subject]).get(subject)
        if person is not None:
            members = [Member("account", subject), Member("person", person)]
        else:
            members = [Member(_owner_kind(conn, decision), subject)]
        for reason in decision.reasons:
            for kind in ("person", "enterprise"):
                value = reason.evidence.get(kind)
                if isinstance(value, str) and value:
                    members.append(Member(kind, value))
        ring_id = None
        if self.rings is not None and self._points_to_ring(decision):
            ring_id = self._ring(subject, members)
        return list(dict.fromkeys(members)), ring_id

    def _points_to_ring(self, decision: Decision) -> bool:
        if any(code in self.policy.ring_reasons for code in decision.reason_codes):
            return True
        return any(_positive(decision.features.get(s)) for s in self.policy.ring_signals)

    def _ring(self, subject: str, members: list[Member]) -> str | None:
        assert self.rings is not None
        try:
            rings = list(self.rings.rings_for("account", subject))
        except Exception:  # the graph is an aid to grouping, never a reason to stop the queue
            log.exception("ring lookup failed for %s", subject)
            return None
        if not rings:
            return None
        best = max(rings, key=lambda r: (r.score, r.id))
        members.extend(Member(k, i) for k, i in best.members if k in ("account", "person"))
        return best.id


def asks_review(decision: Decision) -> bool:
    """Whether a decision puts its subject in front of a reviewer."""
    if decision.outcome is Outcome.REVIEW:
        return True
    return any(a.kind is ActionKind.OPEN_REVIEW and a.applied for a in decision.actions)


def _group(members: Sequence[Member], ring_id: str | None) -> tuple[str, str]:
    if ring_id is not None:
        return "ring", ring_id
    kinds = {m.kind for m in members}
    if "person" in kinds and "enterprise" in kinds:
        person = next(m.id for m in members if m.kind == "person")
        return "ring", f"linked:{person}"
    for kind in ("person", "enterprise", "account"):
        for m in members:
            if m.kind == kind:
                return kind, m.id
    return "account", "unknown"


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and value == value and value > 0


def _owner_kind(conn: Connection, decision: Decision) -> str:
    """``enterprise``, ``account`` or ``merchant``: what kind of party a decision's subject is
    (a held payout is about its merchant, and joins the merchant's review case)."""
    if decision.event_type.startswith("merchant_"):
        return "merchant"
    c = tb.credit_lines.c
    q = select(c.owner_kind).where(c.owner_id == decision.subject).limit(1)
    kind = conn.execute(q).scalar_one_or_none()
    if kind is not None:
        return str(kind)
    return "enterprise" if decision.event_type.startswith("enterprise") else "account"
