"""Training labels: written when a case closes, read and exported by label time."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.ports import LinkedDecision
from riskline.cases.types import Label, Resolution, Reviewer

__all__ = ["CaseLabels", "label_json", "write_labels"]


class CaseLabels:
    """Labels from closed cases, for training (read-only, any thread)."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def labels(self, since: datetime | None = None, until: datetime | None = None) -> list[Label]:
        """Training labels from closed cases, by label time (``labelled_at``) in [since, until).

        Labels are append-only: a case reopened by an appeal and decided again adds newer
        labels for the same decisions; take the latest per ``event_id``.
        """
        c = ct.case_labels.c
        q = select(ct.case_labels)
        if since is not None:
            q = q.where(c.labelled_at >= since)
        if until is not None:
            q = q.where(c.labelled_at < until)
        q = q.order_by(c.labelled_at, c.id)
        with self.db.connect() as conn:
            return [
                Label(
                    r["case_id"],
                    r["decision_id"],
                    r["event_id"],
                    r["subject"],
                    r["person_id"],
                    Resolution(r["label"]),
                    r["occurred_at"],
                    r["labelled_at"],
                    r["labelled_by"],
                )
                for r in conn.execute(q).mappings()
            ]

    def export_labels(self, out: IO[str] | Path, since: datetime | None = None) -> int:
        """Write labels as JSON lines (event time and label time included); how many."""
        rows = [label_json(lb) for lb in self.labels(since)]
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows)
        if isinstance(out, Path):
            out.write_text(text, encoding="utf-8")
        else:
            out.write(text)
        return len(rows)


def write_labels(
    conn: Connection,
    case_id: str,
    label: Resolution,
    now: datetime,
    by: Reviewer,
    appealed: Iterable[LinkedDecision] = (),
) -> int:
    """Label every decision linked to a closing case, and the ``appealed`` ones; how many."""
    cd = ct.case_decisions.c
    rows = {
        r.decision_id: (r.event_id, r.subject, r.occurred_at)
        for r in conn.execute(
            select(cd.decision_id, cd.event_id, cd.subject, cd.occurred_at).where(
                cd.case_id == case_id
            )
        )
    }
    for decision_id, event_id, subject, occurred_at in appealed:
        rows.setdefault(decision_id, (event_id, subject, occurred_at))
    persons = repo.persons_of(conn, [v[1] for v in rows.values()])
    values = [
        {
            "case_id": case_id,
            "decision_id": did,
            "event_id": ev,
            "subject": subj,
            "person_id": persons.get(subj),
            "label": label.value,
            "occurred_at": at,
            "labelled_at": now,
            "labelled_by": by.id,
        }
        for did, (ev, subj, at) in sorted(rows.items())
    ]
    if values:
        conn.execute(ct.case_labels.insert(), values)
    return len(values)


def label_json(lb: Label) -> dict[str, Any]:
    """A label as one JSON-lines record (``level: event``, like the simulator's labels)."""
    return {
        "level": "event",
        "case_id": lb.case_id,
        "decision_id": lb.decision_id,
        "event_id": lb.event_id,
        "subject": lb.subject,
        "person_id": lb.person_id,
        "label": lb.label.value,
        "is_fraud": 1 if lb.label is Resolution.FRAUD else 0,
        "occurred_at": lb.occurred_at.isoformat(),
        "labelled_at": lb.labelled_at.isoformat(),
        "labelled_by": lb.labelled_by,
    }
