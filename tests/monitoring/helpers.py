"""Hand-made decisions and case outcomes, written straight into the tables monitoring reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert

from riskline.cases import tables as ct
from riskline.decisioning import Action, ActionKind, Decision, Outcome, Reason, decision_id_for
from riskline.events import Product
from riskline.storage.serde import decision_body
from riskline.storage.tables import decisions


@dataclass(frozen=True, slots=True)
class Made:
    """What a test asks for; :func:`decision` turns it into a Decision."""

    event_id: str
    at: datetime
    outcome: str = "approve"
    codes: Sequence[str] = ()
    froze: bool = False
    scores: Mapping[str, float] | None = None
    versions: Mapping[str, str] | None = None


def decision(m: Made) -> Decision:
    actions = (Action(ActionKind.FREEZE, Product.REVOLVING, "a1", days=30),) if m.froze else ()
    return Decision(
        decision_id=decision_id_for(m.event_id),
        event_id=m.event_id,
        event_type="payment",
        subject="a1",
        outcome=Outcome(m.outcome),
        reasons=tuple(Reason(c, f"text of {c}") for c in m.codes),
        actions=actions,
        scores=dict(m.scores or {}),
        features={},
        versions={"policy": "p1", **(m.versions or {})},
        occurred_at=m.at,
        decided_at=m.at + timedelta(milliseconds=3),
        latency_us=100,
    )


def store(db: Engine, made: Iterable[Made]) -> list[Decision]:
    """Insert the decisions as the store writes them (compact bodies)."""
    out = [decision(m) for m in made]
    rows = [
        {
            "decision_id": d.decision_id,
            "event_id": d.event_id,
            "event_type": d.event_type,
            "subject": d.subject,
            "outcome": d.outcome.value,
            "occurred_at": d.occurred_at,
            "decided_at": d.decided_at,
            "latency_us": d.latency_us,
            "body": decision_body(d),
        }
        for d in out
    ]
    if rows:
        with db.begin() as conn:
            conn.execute(insert(decisions), rows)
    return out


def label(db: Engine, d: Decision, label: str, at: datetime, case_id: str = "c1") -> None:
    """A closed case's label on ``d`` (``fraud``: confirmed, ``legit``: cleared)."""
    with db.begin() as conn:
        conn.execute(
            insert(ct.case_labels),
            {
                "case_id": case_id,
                "decision_id": d.decision_id,
                "event_id": d.event_id,
                "subject": d.subject,
                "person_id": "p1",
                "label": label,
                "occurred_at": d.occurred_at,
                "labelled_at": at,
                "labelled_by": "sam",
            },
        )
