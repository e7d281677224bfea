"""NoticeFollower: user notices as a projection of line history, decisions and case events.

Three cursors, each moved in the same transaction as the notices it writes:

* ``notices.lines`` on ``line_history.id``: every line change, whatever its source
  (engine, analyst, case action, freeze expiry);
* ``notices.decisions`` on ``events.seq``: declines, reviews, challenges, new lines;
* ``notices.cases`` on ``case_events.id``: information requests, appeals received and
  decided, case outcomes.

``notices.source`` is unique (``line:<id>``, ``decision:<id>:<kind>``,
``case:<event id>:<account>``), so re-reading rows inserts nothing twice. Each source is
followed by a :class:`riskline.projection.Follow`, which re-reads ``rescan`` positions below the
cursor now and then to pick up rows that a concurrent writer committed late.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from riskline.cases import asks_review
from riskline.cases import tables as ct
from riskline.cases.repo import insert_ignore, persons_of
from riskline.clock import Clock
from riskline.decisioning import ActionKind, Decision, Outcome
from riskline.notices import tables as nt
from riskline.notices.types import NoticeKind
from riskline.projection import Follow
from riskline.storage import tables as tb
from riskline.storage.serde import decision_from_row

__all__ = ["NoticeFollower", "notice_id_for"]

_LINE_KINDS = {
    "freeze": NoticeKind.FREEZE,
    "reinstate": NoticeKind.REINSTATE,
    "cut_limit": NoticeKind.CUT_LIMIT,
    "restore_limit": NoticeKind.RESTORE_LIMIT,
    "set_limit": NoticeKind.SET_LIMIT,
    "close": NoticeKind.CLOSE,
}
_CASE_REASONS = {
    NoticeKind.APPEAL_GRANTED: ("CASE_CLEARED",),
    NoticeKind.CASE_CLEARED: ("CASE_CLEARED",),
    NoticeKind.APPEAL_UPHELD: ("FRAUD_CONFIRMED",),
    NoticeKind.CASE_CONFIRMED: ("FRAUD_CONFIRMED",),
}
_USER_FACING = (
    "info_requested",
    "appeal_received",
    "closed",
    "merchant_restricted",
    "merchant_released",
)
"""Case events the user hears about (the rest is internal case work)."""
_APPLICATIONS = ("account_opened", "loan_application", "enterprise_loan_application")
_Read = Callable[[Connection, int, int], tuple[list[dict[str, Any]], bool]]
"""(notice rows, whether any source row was read) for positions in (lo, hi]."""


def notice_id_for(source: str) -> str:
    """A notice's id from its source (deterministic: a replay writes the same id).

    >>> notice_id_for("line:1") == notice_id_for("line:1")
    True
    """
    return "n_" + hashlib.sha256(source.encode()).hexdigest()[:20]


class NoticeFollower:
    """Writes a notice for every user-affecting action, in both languages' source form."""

    def __init__(
        self,
        db: Engine,
        clock: Clock,
        batch: int = 2000,
        rescan: int = 200,
        rescan_every: int = 20,
        lazy: int = 500,
    ) -> None:
        self.db = db
        self.clock = clock
        """Cursors move only when notices were written or they fell ``lazy`` behind."""
        sources = (
            ("notices.lines", tb.line_history.c.id, self._from_lines),
            ("notices.decisions", tb.events.c.seq, self._from_decisions),
            ("notices.cases", ct.case_events.c.id, self._from_cases),
        )
        self._sources = tuple(
            (
                Follow(name, key, batch=batch, rescan=rescan, rescan_every=rescan_every, lazy=lazy),
                functools.partial(self._write, read),
            )
            for name, key, read in sources
        )

    def catch_up(self) -> int:
        """Project everything committed since the last pass; how many notices were written."""
        written = 0
        while True:
            with self.db.begin() as conn:
                n, more = self.step(conn)
            written += n
            if not more:
                return written

    def step(self, conn: Connection, rescan: bool | None = None) -> tuple[int, bool]:
        """One bounded step of every source inside the caller's transaction:
        (notices written, more to read). Re-scans like :meth:`CaseFollower.step`."""
        written, more = 0, False
        now = self.clock.now()
        for follow, write in self._sources:
            n, left = follow.step(conn, write, 0, now, rescan)
            written += n
            more = more or left
        return written, more

    def _write(self, read: _Read, conn: Connection, lo: int, hi: int) -> tuple[int, bool]:
        """Notices from one source's rows in (lo, hi]: (how many were new, whether any row was
        read)."""
        rows, seen = read(conn, lo, hi)
        if not rows:
            return 0, seen
        res = conn.execute(insert_ignore(conn, nt.notices), rows)
        return max(0, res.rowcount or 0), seen

    def _from_lines(self, conn: Connection, lo: int, hi: int) -> tuple[list[dict[str, Any]], bool]:
        h, ln = tb.line_history.c, tb.credit_lines.c
        q = (
            select(tb.line_history, ln.owner_id, ln.product)
            .join(tb.credit_lines, ln.line_id == h.line_id)
            .where(h.id > lo, h.id <= hi)
            .order_by(h.id)
        )
        rows = list(conn.execute(q).mappings())
        persons = persons_of(conn, [r["owner_id"] for r in rows])
        out = []
        for r in rows:
            kind = _LINE_KINDS.get(r["action"])
            if kind is None:
                continue
            reasons = tuple(json.loads(r["reasons"]))
            if kind is NoticeKind.REINSTATE and "FREEZE_EXPIRED" in reasons:
                kind = NoticeKind.FREEZE_LIFTED
            params = {"product": r["product"], "line_id": r["line_id"], "to": r["to_status"]}
            if r["limit_after"] != r["limit_before"]:
                params["limit"] = str(r["limit_after"])
            out.append(
                _row(
                    f"line:{r['id']}",
                    kind,
                    r["owner_id"],
                    persons.get(r["owner_id"]),
                    reasons,
                    r["at"],
                    params,
                    r["decision_id"],
                    None,
                )
            )
        return out, bool(rows)

    def _from_decisions(
        self, conn: Connection, lo: int, hi: int
    ) -> tuple[list[dict[str, Any]], bool]:
        e, d = tb.events.c, tb.decisions.c
        q = (
            select(tb.decisions)
            .join(tb.events, e.decision_id == d.decision_id)
            .where(e.seq > lo, e.seq <= hi)
            .where((d.outcome != Outcome.APPROVE.value) | d.event_type.in_(_APPLICATIONS))
            .order_by(e.seq)
        )
        decisions = [decision_from_row(r) for r in conn.execute(q).mappings()]
        persons = persons_of(conn, [x.subject for x in decisions])
        out = []
        for dec in decisions:
            for kind, params in _decision_notices(dec):
                reasons = () if kind is NoticeKind.LINE_OPENED else _user_reasons(dec)
                out.append(
                    _row(
                        f"decision:{dec.decision_id}:{kind.value}",
                        kind,
                        dec.subject,
                        persons.get(dec.subject),
                        reasons,
                        dec.occurred_at,
                        params,
                        dec.decision_id,
                        None,
                    )
                )
        return out, bool(decisions)

    def _from_cases(self, conn: Connection, lo: int, hi: int) -> tuple[list[dict[str, Any]], bool]:
        c = ct.case_events.c
        q = (
            select(ct.case_events)
            .where(c.id > lo, c.id <= hi, c.action.in_(_USER_FACING))
            .order_by(c.id)
        )
        events = list(conn.execute(q).mappings())
        out: list[dict[str, Any]] = []
        for r in events:
            details = json.loads(r["details"])
            for kind, account in _case_notices(conn, r["case_id"], r["action"], details):
                person = persons_of(conn, [account]).get(account)
                codes = _CASE_REASONS.get(kind, ()) or _merchant_reasons(kind, details)
                out.append(
                    _row(
                        f"case:{r['id']}:{account}",
                        kind,
                        account,
                        person,
                        codes,
                        r["at"],
                        {"ask": str(details["ask"])} if details.get("ask") else {},
                        # a merchant's notice belongs to its case, not to the buyer's decision
                        None if r["action"].startswith("merchant_") else details.get("decision_id"),
                        r["case_id"],
                    )
                )
        return out, bool(events)


def _decision_notices(d: Decision) -> list[tuple[NoticeKind, dict[str, str]]]:
    if d.features.get("event.is_external") == 1.0:
        return []  # an application seen at another platform: nothing was asked of us
    if "SETTLEMENT_HELD" in d.reason_codes:
        return []  # the merchant was told when the hold began (``merchant_restricted``)
    kinds = {a.kind for a in d.actions if a.applied}
    out: list[tuple[NoticeKind, dict[str, str]]] = []
    for a in d.actions:
        if a.kind is ActionKind.OPEN_LINE and a.applied and a.product is not None:
            out.append((NoticeKind.LINE_OPENED, {"product": a.product.value}))
    if asks_review(d):
        out.append((NoticeKind.REVIEW_OPENED, {}))
    if d.outcome is Outcome.CHALLENGE:
        out.append((NoticeKind.CHALLENGE_REQUESTED, {}))
    elif d.outcome is Outcome.DECLINE:
        if ActionKind.DECLINE_APPLICATION in kinds or d.event_type in _APPLICATIONS:
            out.append((NoticeKind.DECLINE_APPLICATION, {}))
        else:
            out.append((NoticeKind.PAYMENT_DECLINED, {}))
    return out


def _user_reasons(d: Decision) -> tuple[str, ...]:
    return tuple(dict.fromkeys(d.reason_codes))


def _case_notices(
    conn: Connection, case_id: str, action: str, details: dict[str, Any]
) -> list[tuple[NoticeKind, str]]:
    notify = [str(a) for a in details.get("notify", [])]
    if action == "info_requested":
        return [(NoticeKind.INFO_REQUESTED, a) for a in notify]
    if action == "appeal_received":
        return [(NoticeKind.APPEAL_RECEIVED, a) for a in notify]
    if action == "merchant_restricted":  # addressed to the merchant
        capped = details.get("kind") == "cap_acceptance"
        kind = (
            NoticeKind.MERCHANT_ACCEPTANCE_CAPPED if capped else NoticeKind.MERCHANT_SETTLEMENT_HELD
        )
        return [(kind, a) for a in notify]
    if action == "merchant_released":
        return [(NoticeKind.MERCHANT_RESTRICTION_LIFTED, a) for a in notify]
    if action != "closed":
        return []
    fraud = details.get("resolution") == "fraud"
    ap = nt.appeals.c
    appellants = set(
        conn.execute(
            select(ap.account_id).where(
                ap.appeal_id.in_([str(x) for x in details.get("appeals", [])])
            )
        ).scalars()
    )
    out = [
        (NoticeKind.APPEAL_UPHELD if fraud else NoticeKind.APPEAL_GRANTED, a)
        for a in sorted(appellants)
    ]
    done = NoticeKind.CASE_CONFIRMED if fraud else NoticeKind.CASE_CLEARED
    out += [(done, a) for a in notify if a not in appellants]
    return out


def _merchant_reasons(kind: NoticeKind, details: dict[str, Any]) -> tuple[str, ...]:
    """A restricted merchant hears what it is and the reasons that asked for it."""
    if kind is NoticeKind.MERCHANT_SETTLEMENT_HELD:
        return ("SETTLEMENT_HELD", *[str(c) for c in details.get("reason_codes", [])])
    if kind is NoticeKind.MERCHANT_ACCEPTANCE_CAPPED:
        codes = [str(c) for c in details.get("reason_codes", [])]
        return ("MERCHANT_ACCEPTANCE_CAPPED", *codes)
    return ()


def _row(
    source: str,
    kind: NoticeKind,
    account: str,
    person: str | None,
    reasons: tuple[str, ...],
    at: datetime,
    params: dict[str, str],
    decision_id: str | None,
    case_id: str | None,
) -> dict[str, Any]:
    return {
        "notice_id": notice_id_for(source),
        "source": source,
        "kind": kind.value,
        "account_id": account,
        "person_id": person,
        "reason_codes": json.dumps(list(reasons)),
        "params": json.dumps(params, sort_keys=True),
        "decision_id": decision_id,
        "case_id": case_id,
        "at": at,
    }
