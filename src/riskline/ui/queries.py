"""Read-only queries behind the console pages (the engine's writer is never involved)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from riskline.credit import CreditLine, LineChange
from riskline.storage import tables as tb
from riskline.storage.rows import change_from_row, line_from_row

__all__ = [
    "ConsoleQueries",
    "DecisionSummary",
    "LineView",
    "OutcomeSeries",
    "ReasonCode",
    "TimelineEntry",
]

_HIDDEN = frozenset({"event_id", "occurred_at", "type"})


@dataclass(frozen=True, slots=True)
class OutcomeSeries:
    """Decisions per day and outcome over a window ending at the newest decision."""

    days: tuple[str, ...]
    counts: dict[str, list[int]]
    end: datetime | None


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """A reason code and its plain-language text."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """What a timeline row shows of a decision (the rest loads on demand)."""

    decision_id: str
    outcome: str
    reasons: tuple[ReasonCode, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One ledger event with the decision taken on it."""

    occurred_at: datetime
    event_type: str
    subject: str
    event_id: str
    details: tuple[tuple[str, str], ...]
    decision: DecisionSummary | None


@dataclass(frozen=True, slots=True)
class LineView:
    """A credit line with its history, newest change last."""

    line: CreditLine
    history: tuple[LineChange, ...]


def _details(payload: dict[str, Any], subject: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for key, value in sorted(payload.items()):
        if key in _HIDDEN or value is None or value == subject:
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
        elif isinstance(value, list):
            value = "; ".join(json.dumps(v, sort_keys=True) for v in value)
        out.append((key, str(value)))
    return tuple(out)


def _summary(row: Any) -> DecisionSummary:
    reasons = orjson.loads(row["body"])["reasons"]
    return DecisionSummary(
        row["decision_id"],
        row["outcome"],
        tuple(ReasonCode(r["code"], r.get("text", "")) for r in reasons),
    )


class ConsoleQueries:
    """Queries over the ledger, decisions, lines and accounts tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _day(self) -> Any:
        col = tb.decisions.c.occurred_at
        if self.engine.dialect.name == "sqlite":
            return func.substr(col, 1, 10)
        return func.to_char(func.timezone("UTC", col), "YYYY-MM-DD")

    def outcome_series(self, days: int) -> OutcomeSeries:
        """Decisions by day and outcome for the ``days`` days up to the newest decision."""
        d = tb.decisions.c
        with self.engine.connect() as conn:
            end = conn.execute(select(func.max(d.occurred_at))).scalar_one_or_none()
            if end is None:
                return OutcomeSeries((), {}, None)
            if isinstance(end, str):  # max() bypasses the column type on SQLite
                end = tb.UtcDateTime().process_result_value(end, self.engine.dialect)
            assert end is not None
            start = (end - timedelta(days=days - 1)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            day = self._day().label("day")
            q = (
                select(day, d.outcome, func.count())
                .where(d.occurred_at >= start)
                .group_by(day, d.outcome)
            )
            rows = conn.execute(q).all()
        labels = tuple((start + timedelta(days=i)).date().isoformat() for i in range(days))
        index = {label: i for i, label in enumerate(labels)}
        counts: dict[str, list[int]] = {}
        for label, outcome, n in rows:
            if label in index:
                counts.setdefault(outcome, [0] * days)[index[label]] = int(n)
        return OutcomeSeries(labels, counts, end)

    def decision_sample(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """The decisions of the ``limit`` most recently stored events, as (outcome, body).

        Walks the ledger's primary key backwards and looks each decision up by its key, so
        the cost does not grow with the size of the tables (no sort, no scan).
        """
        e, d = tb.events.c, tb.decisions.c
        with self.engine.connect() as conn:
            top = conn.execute(select(func.max(e.seq))).scalar_one_or_none()
            if top is None:
                return []
            q = (
                select(d.outcome, d.body)
                .join_from(tb.events, tb.decisions, d.decision_id == e.decision_id)
                .where(e.seq > int(top) - limit)
                .order_by(e.seq.desc())
            )
            return [(o, orjson.loads(b)) for o, b in conn.execute(q)]

    def timeline(self, subjects: Sequence[str], limit: int = 200) -> list[TimelineEntry]:
        """The newest ``limit`` ledger events about ``subjects``, with their decisions."""
        e, d = tb.events, tb.decisions
        q = (
            select(
                e.c.event_id.label("ev_id"),
                e.c.type.label("ev_type"),
                e.c.subject.label("ev_subject"),
                e.c.occurred_at.label("ev_at"),
                e.c.payload,
                d.c.decision_id,
                d.c.outcome,
                d.c.body,
            )
            .join_from(e, d, e.c.decision_id == d.c.decision_id, isouter=True)
            .where(e.c.subject.in_(list(subjects)))
            .order_by(e.c.occurred_at.desc(), e.c.seq.desc())
            .limit(limit)
        )
        out: list[TimelineEntry] = []
        with self.engine.connect() as conn:
            for r in conn.execute(q).mappings():
                decision = _summary(r) if r["decision_id"] is not None else None
                payload = orjson.loads(r["payload"])
                out.append(
                    TimelineEntry(
                        r["ev_at"],
                        r["ev_type"],
                        r["ev_subject"],
                        r["ev_id"],
                        _details(payload, r["ev_subject"]),
                        decision,
                    )
                )
        return out

    def lines_of(self, owner_ids: Iterable[str]) -> list[LineView]:
        """Every line of those owners with its history (read fresh from the database)."""
        owners = list(dict.fromkeys(owner_ids))
        if not owners:
            return []
        lq = (
            select(tb.credit_lines)
            .where(tb.credit_lines.c.owner_id.in_(owners))
            .order_by(tb.credit_lines.c.owner_id, tb.credit_lines.c.product)
        )
        with self.engine.connect() as conn:
            lines = [line_from_row(r) for r in conn.execute(lq).mappings()]
            hq = (
                select(tb.line_history)
                .where(tb.line_history.c.line_id.in_([ln.line_id for ln in lines]))
                .order_by(tb.line_history.c.id)
            )
            changes = [change_from_row(r) for r in conn.execute(hq).mappings()] if lines else []
        by_line: dict[str, list[LineChange]] = {}
        for c in changes:
            by_line.setdefault(c.line_id, []).append(c)
        return [LineView(ln, tuple(by_line.get(ln.line_id, ()))) for ln in lines]

    def account(self, account_id: str) -> dict[str, Any] | None:
        """The account's person and opening time, or None."""
        q = select(tb.accounts).where(tb.accounts.c.account_id == account_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return dict(row) if row else None

    def accounts_of(self, person_id: str) -> list[dict[str, Any]]:
        """The accounts a person holds, oldest first."""
        q = (
            select(tb.accounts)
            .where(tb.accounts.c.person_id == person_id)
            .order_by(tb.accounts.c.opened_at)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
