"""What case outcomes do outside the case tables: line changes and list entries.

Line changes go through the credit line state machine (``riskline.credit.apply``) with the
reviewer as :class:`~riskline.credit.Actor`, and are stored with ``apply_change``, so
``line_history`` records who changed what and why. Call these on the writer thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, select

from riskline.cases import tables as ct
from riskline.cases.types import Member, Reviewer
from riskline.credit import (
    Actor,
    Close,
    CreditLine,
    Freeze,
    LineChange,
    LineCommand,
    LineStatus,
    Reinstate,
    RestoreLimit,
    apply,
)
from riskline.events import decode_event
from riskline.rules import ListEntry, ListStore
from riskline.storage import tables as tb

__all__ = ["LineWriter", "allowlist", "blocklist", "change_lines", "entities_of", "unblock"]


class LineWriter(Protocol):
    """What case actions need of the line store (``SqlStore`` implements it)."""

    def lines_for(self, owner_ids: Iterable[str]) -> list[CreditLine]: ...

    def apply_change(self, line: CreditLine, new: CreditLine, change: LineChange) -> None: ...


def _command(line: CreditLine, goal: str, days: int, review_days: int) -> LineCommand | None:
    """The state-machine step that moves ``line`` towards ``goal`` (None when already there)."""
    status = line.status
    if status is LineStatus.CLOSED:
        return None
    if goal == "freeze":
        return Freeze(days, review_days) if status is not LineStatus.FROZEN else None
    if goal == "close":
        return Close() if status is LineStatus.FROZEN else Freeze(days, review_days)
    if status is LineStatus.FROZEN:
        return Reinstate()
    if status is LineStatus.LIMITED:
        return RestoreLimit()
    return None


def change_lines(
    lines: LineWriter,
    owners: Sequence[str],
    goal: str,
    by: Reviewer,
    reasons: tuple[str, ...],
    at: datetime,
    days: int = 1,
    review_days: int = 0,
) -> list[dict[str, str]]:
    """Move every line of ``owners`` to ``goal`` (freeze, close or reinstate); what changed."""
    actor = Actor("analyst", by.id)
    done: list[dict[str, str]] = []
    for line in lines.lines_for(owners):
        current = line
        for _ in range(2):  # close = freeze then close
            cmd = _command(current, goal, days, review_days)
            if cmd is None:
                break
            new, change = apply(current, cmd, actor, reasons, None, at)
            lines.apply_change(current, new, change)
            done.append({"line_id": line.line_id, "action": cmd.name, "to": new.status.value})
            current = new
    return done


def entities_of(
    conn: Connection, case_id: str, owners: Sequence[str], kinds: Sequence[str]
) -> set[tuple[str, str]]:
    """Entities of a case's events and of its accounts' openings, limited to ``kinds``."""
    cd, e = ct.case_decisions.c, tb.events.c
    event_ids = list(conn.execute(select(cd.event_id).where(cd.case_id == case_id)).scalars())
    q = select(e.payload).where(e.event_id.in_(event_ids))
    payloads = list(conn.execute(q).scalars())
    if owners:
        opened = select(e.payload).where(e.type == "account_opened", e.subject.in_(list(owners)))
        payloads += list(conn.execute(opened).scalars())
    found: set[tuple[str, str]] = set()
    for raw in payloads:
        found.update(x for x in decode_event(json.loads(raw)).entities() if x[0] in kinds)
    return found


def blocklist(
    store: ListStore, entities: Iterable[tuple[str, str]], case_id: str, at: datetime, why: str
) -> int:
    """Put entities on the block list with the case as source; how many."""
    n = 0
    for kind, value in sorted(entities):
        store.add(ListEntry("block", kind, value, f"case:{case_id}", at, None, why[:500]))
        n += 1
    return n


def unblock(store: ListStore, entities: Iterable[tuple[str, str]]) -> int:
    """Lift block entries that a case put there (source ``case:...``); how many."""
    n = 0
    for kind, value in entities:
        entry = store.get("block", kind, value)
        if entry is not None and entry.source.startswith("case:"):
            n += int(store.remove("block", kind, value))
    return n


def allowlist(
    store: ListStore, members: Iterable[Member], case_id: str, at: datetime, days: int, why: str
) -> int:
    """Allow-list a cleared case's persons and accounts for ``days``; how many entries."""
    n = 0
    for m in members:
        if m.kind in ("person", "account", "enterprise"):
            until = at + timedelta(days=days)
            store.add(ListEntry("allow", m.kind, m.id, f"case:{case_id}", at, until, why[:500]))
            n += 1
    return n
