"""What monitoring reads from the ledger: one small fact per decision, and case outcomes.

A decision's checks are its reason codes (rules, policy checks, model reasons); a check's
precision counts the decisions labelled by a closed case: confirmed fraud or cleared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from riskline.cases import Resolution
from riskline.cases import tables as ct
from riskline.storage.tables import decisions

__all__ = ["Fact", "first_decision_at", "read_facts", "read_labels"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One decision as monitoring sees it."""

    decision_id: str
    at: datetime
    outcome: str
    codes: frozenset[str]
    froze: bool
    """Whether it applied a freeze to a line."""
    scores: Mapping[str, float]
    versions: Mapping[str, str]


def fact_of(row: Any) -> Fact:
    """A ``decisions`` row (``decision_id``, ``outcome``, ``occurred_at``, ``body``) as a fact."""
    body = orjson.loads(row["body"])
    scores = {k: float(v) for k, v in (body.get("scores") or {}).items() if v is not None}
    return Fact(
        decision_id=row["decision_id"],
        at=row["occurred_at"],
        outcome=row["outcome"],
        codes=frozenset(r["code"] for r in body.get("reasons", ())),
        froze=any(a.get("kind") == "freeze" and a.get("applied") for a in body.get("actions", ())),
        scores=scores,
        versions={k: str(v) for k, v in (body.get("versions") or {}).items()},
    )


def read_facts(db: Engine, since: datetime, until: datetime) -> list[Fact]:
    """Decisions whose event time is in [since, until), oldest first."""
    d = decisions.c
    q = (
        select(d.decision_id, d.outcome, d.occurred_at, d.body)
        .where(d.occurred_at >= since, d.occurred_at < until)
        .order_by(d.occurred_at, d.decision_id)
    )
    with db.connect() as conn:
        return [fact_of(r) for r in conn.execute(q).mappings()]


def first_decision_at(db: Engine, since: datetime | None = None) -> datetime | None:
    """The event time of the oldest decision (at or after ``since``); None when there is none."""
    q = select(func.min(decisions.c.occurred_at))
    if since is not None:
        q = q.where(decisions.c.occurred_at >= since)
    with db.connect() as conn:
        found: datetime | None = conn.execute(q).scalar()
    return found


def read_labels(db: Engine, since: datetime) -> dict[str, bool]:
    """Case outcomes of decisions made since ``since``: decision id -> confirmed fraud (True)
    or cleared (False); the newest label wins (an appeal may decide a case again)."""
    c = ct.case_labels.c
    q = select(c.decision_id, c.label).where(c.occurred_at >= since).order_by(c.labelled_at, c.id)
    with db.connect() as conn:
        return _latest(conn.execute(q))


def _latest(rows: Iterable[Any]) -> dict[str, bool]:
    return {decision_id: label == Resolution.FRAUD.value for decision_id, label in rows}
