"""Fraud labels fed back to the engine: chargebacks and reports (API, file), durable.

Every label is one row of ``fraud_labels`` (migration 0009): the event it labels, fraud or
genuine, when the reporter says it was reported, and when it reached the engine
(``received_at``: from then on the online entity risk counts it,
:mod:`riskline.features.entity_risk_online`). The same label sent again (same event, verdict
and ``reported_at``) changes nothing; a different verdict for an event is a correction and the
latest received wins. Case outcomes (``case_labels``, written when a case closes) are read
beside them: :class:`SqlLabelFeed`.

>>> from datetime import datetime, timezone
>>> ReportedLabel("e1", True, datetime(2026, 1, 1, tzinfo=timezone.utc)).fraud
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Integer,
    String,
    Table,
    UniqueConstraint,
    column,
    select,
    table,
)

from riskline.errors import InvalidInput
from riskline.features.entity_risk_online import FraudLabel
from riskline.storage.tables import UtcDateTime, metadata
from riskline.storage.tables import decisions as ledger_decisions
from riskline.storage.tables import events as ledger

__all__ = [
    "LabelWrite",
    "ReportedLabel",
    "SqlLabelFeed",
    "SqlLabelStore",
    "fraud_labels",
    "payment_outcomes",
]

_ID = BigInteger().with_variant(Integer, "sqlite")
SOURCES = frozenset({"api", "file"})

fraud_labels = Table(
    "fraud_labels",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False),
    Column("fraud", Boolean(name="ck_fraud_labels_fraud"), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("source", String(16), nullable=False),
    UniqueConstraint("event_id", "fraud", "reported_at", name="uq_fraud_labels_event_id"),
)

_case_labels = table(
    "case_labels",
    column("id", _ID),
    column("event_id", String(128)),
    column("label", String(16)),
    column("labelled_at", UtcDateTime()),
)
"""The case outcomes' labels (``riskline.cases.tables.case_labels``, migration 0003), as far
as the feed reads them."""


@dataclass(frozen=True, slots=True)
class ReportedLabel:
    """A label as reported: the event, fraud (or genuine), when it was reported."""

    event_id: str
    fraud: bool
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class LabelWrite:
    """What storing a group of labels did."""

    added: int
    replayed: int
    unknown_events: int
    """Labels of events not in the ledger (kept: their payments may come later)."""


class SqlLabelStore:
    """The ``fraud_labels`` table."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def add(
        self,
        labels: Sequence[ReportedLabel],
        source: str,
        now: datetime,
        *,
        backdate: bool = False,
    ) -> LabelWrite:
        """Store every label not already stored, in one transaction (all or nothing).

        Each is received ``now``, or at its ``reported_at`` with ``backdate`` (a past history's
        chargebacks, known to the engine from when they were reported)."""
        if source not in SOURCES:
            raise InvalidInput(f"unknown label source {source!r}")
        c = fraud_labels.c
        unique = list(dict.fromkeys(labels))
        keys = [(lb.event_id, lb.fraud, lb.reported_at) for lb in unique]
        with self.db.begin() as conn:
            seen: set[tuple[str, bool, datetime]] = set()
            for i in range(0, len(unique), 500):
                ids = {k[0] for k in keys[i : i + 500]}
                q = select(c.event_id, c.fraud, c.reported_at).where(c.event_id.in_(ids))
                seen.update((r.event_id, bool(r.fraud), r.reported_at) for r in conn.execute(q))
            new = [lb for lb, k in zip(unique, keys, strict=True) if k not in seen]
            if new:
                conn.execute(
                    fraud_labels.insert(),
                    [
                        {
                            "event_id": lb.event_id,
                            "fraud": lb.fraud,
                            "reported_at": lb.reported_at,
                            "received_at": lb.reported_at if backdate else now,
                            "source": source,
                        }
                        for lb in new
                    ],
                )
            wanted = sorted({lb.event_id for lb in unique})
            known: set[str] = set()
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                q2 = select(ledger.c.event_id).where(ledger.c.event_id.in_(part))
                known.update(conn.execute(q2).scalars())
        return LabelWrite(len(new), len(labels) - len(new), len(set(wanted) - known))

    def latest(self) -> dict[str, tuple[bool, datetime]]:
        """Every labelled event's latest verdict and when it was received."""
        c = fraud_labels.c
        out: dict[str, tuple[bool, datetime]] = {}
        with self.db.connect() as conn:
            for r in conn.execute(select(c.event_id, c.fraud, c.received_at).order_by(c.id)):
                out[r.event_id] = (bool(r.fraud), r.received_at)
        return out


def payment_outcomes(db: Engine) -> dict[str, str]:
    """Every decided payment's outcome, by event id."""
    d = ledger_decisions.c
    q = select(d.event_id, d.outcome).where(d.event_type == "payment")
    with db.connect() as conn:
        return {r.event_id: r.outcome for r in conn.execute(q)}


class SqlLabelFeed:
    """The engine's label source: ``fraud_labels`` and case outcomes, each after a cursor
    (their last ids read), known from when they were received or the case closed."""

    def __init__(self, db: Engine, *, cases: bool = True) -> None:
        self.db = db
        self.cases = cases

    def read(self, after: object | None) -> tuple[list[FraudLabel], object | None]:
        """Labels with ids past ``after`` (None: all), and the cursor to give next time."""
        mine, theirs = after if isinstance(after, tuple) else (0, 0)
        out: list[FraudLabel] = []
        c = fraud_labels.c
        with self.db.connect() as conn:
            q = select(c.id, c.event_id, c.fraud, c.received_at).where(c.id > mine).order_by(c.id)
            for r in conn.execute(q):
                out.append(FraudLabel(r.event_id, bool(r.fraud), r.received_at.timestamp()))
                mine = r.id
            if self.cases:
                k = _case_labels.c
                q = select(k.id, k.event_id, k.label, k.labelled_at).where(k.id > theirs)
                for r in conn.execute(q.order_by(k.id)):
                    out.append(
                        FraudLabel(r.event_id, r.label == "fraud", r.labelled_at.timestamp())
                    )
                    theirs = r.id
        return out, (mine, theirs)
