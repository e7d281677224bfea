"""Bulk actions on a ring's members: confirm or clear the open cases linked to one case.

Linked cases are the open cases that share a party with this one, or the ring it was grouped
by, or a party of a ring one of its accounts belongs to (the graph's rings: a device farm, a
collusive merchant ring, a fund cycle). A bulk action is the single action on each of them, in
order, after checking all of them first (a case waiting for approval or closed stops the whole
action before anything changes). Where the single action needs four eyes (confirm with close or
blocklist), the bulk action makes one approval request for the group: each case waits, carrying
the group, and one supervisor's approval (of any case of the group) carries out all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, or_, select, tuple_

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.commands import CaseCommands
from riskline.cases.follower import RingLike, RingLookup
from riskline.cases.types import Case, CaseStatus, Clear, ConfirmFraud, Reviewer
from riskline.errors import Conflict, InvalidInput

__all__ = ["MAX_BULK", "BulkActions"]

MAX_BULK = 200
"""Cases one bulk action may touch."""


class BulkActions:
    """Finds a case's linked cases and confirms or clears them together."""

    def __init__(self, db: Engine, commands: CaseCommands, rings: RingLookup | None = None) -> None:
        self.db = db
        self.commands = commands
        self.rings = rings

    def linked(self, case_id: str) -> list[Case]:
        """This case (first) and the open cases linked to it, most urgent first."""
        with self.db.connect() as conn:
            case = repo.load_case(conn, case_id)
            members = {(m.kind, m.id) for m in repo.load_members(conn, case_id)}
            ring_ids = {case.ring_id} if case.ring_id else set()
            for kind, key in list(members):
                for ring in self._rings(kind, key):
                    ring_ids.add(ring.id)
                    members.update((k, i) for k, i in ring.members if k in ("account", "person"))
            c, m = ct.cases.c, ct.case_members.c
            shares = (
                select(m.case_id)
                .where(m.case_id == c.case_id, tuple_(m.kind, m.member_id).in_(sorted(members)))
                .exists()
            )
            linked = or_(shares, c.ring_id.in_(sorted(ring_ids))) if ring_ids else shares
            q = (
                select(ct.cases)
                .where(c.status != CaseStatus.CLOSED.value, c.case_id != case_id, linked)
                .order_by(c.priority.desc(), c.case_id)
                .limit(MAX_BULK)
            )
            others = [repo.case_from_row(r) for r in conn.execute(q).mappings()]
        return [case, *others]

    def _rings(self, kind: str, key: str) -> Sequence[RingLike]:
        if self.rings is None or kind != "account":
            return ()
        try:
            return list(self.rings.rings_for(kind, key))
        except Exception:  # the graph is an aid: no rings rather than no bulk action
            return ()

    def act(
        self,
        case_id: str,
        case_ids: Sequence[str],
        command: ConfirmFraud | Clear,
        by: Reviewer,
    ) -> list[Case]:
        """The single action on ``case_id`` and the linked ``case_ids`` (all linked ones when
        empty); with four eyes, one approval request for the group."""
        if not command.why.strip():
            raise InvalidInput("every case action needs a reason (why)")
        linked = {c.case_id: c for c in self.linked(case_id)}
        wanted = list(dict.fromkeys([case_id, *(case_ids or linked)]))
        strangers = [x for x in wanted if x not in linked]
        if strangers:
            raise InvalidInput(
                f"cases {', '.join(strangers)} are not open cases linked to {case_id}"
            )
        busy = [x for x in wanted if linked[x].status is CaseStatus.PENDING_APPROVAL]
        if busy or linked[case_id].status is CaseStatus.CLOSED:
            raise Conflict(f"cases {', '.join(busy or [case_id])} cannot take a new action now")
        if isinstance(command, ConfirmFraud) and (command.close or command.blocklist):
            command = ConfirmFraud(command.why, command.close, command.blocklist, tuple(wanted))
        return [self.commands.act(x, command, by) for x in wanted]

    def approve(self, group: Sequence[str], by: Reviewer, why: str) -> list[Case]:
        """Carry out a bulk request: approve every case of the group still waiting for it."""
        return [self.commands.approve(x, by, why) for x in self._waiting(group)]

    def reject(self, group: Sequence[str], by: Reviewer, why: str) -> list[Case]:
        """Refuse a bulk request: every case of the group goes back to its reviewer."""
        return [self.commands.reject(x, by, why) for x in self._waiting(group)]

    def _waiting(self, group: Sequence[str]) -> list[str]:
        with self.db.connect() as conn:
            cases = [repo.load_case(conn, x) for x in group]
        return [
            c.case_id
            for c in cases
            if c.status is CaseStatus.PENDING_APPROVAL
            and c.pending is not None
            and list(c.pending.params.get("bulk") or ()) == list(group)  # type: ignore[call-overload]
        ]
