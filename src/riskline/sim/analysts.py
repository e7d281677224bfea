"""Labels a platform would really have: analysts' verdicts on the cases the engine opened, and
matured repayment outcomes.

The simulated analysts work the review queue of an evaluated run (``cases.jsonl`` from
``riskline evaluate --out``). Each case needs between ``min_days`` and ``max_days`` of work
(uniform) after it opens; the team closes at most ``cases_per_day`` a calendar day, oldest
ready first, so a busy day pushes cases to the next day with room. A case is closed with a
verdict: a party that was fraud by then is confirmed, except with probability ``miss_rate``
(cleared by mistake); an honest party (or one whose fraud had not started when the case
closed) is cleared, except with probability ``false_confirm_rate`` (confirmed by mistake).
Ground truth is read only for the parties of the cases and only through those noisy verdicts;
a verdict is known from the moment its case closes, and cases still open at ``as_of`` give
no label.

Repayment outcomes come from the events alone: **M1** when a bill is reported 30 or more days
overdue (known at that notice), **M3** when a bill that reached M1 still has no repayment
for its due date 90 days after the due date (known then, and only if that is by ``as_of``).

>>> team = AnalystTeam(cases_per_day=1, min_days=1, max_days=1, miss_rate=0, false_confirm_rate=0)
>>> t0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
>>> cases = [ReviewCase("p1", t0), ReviewCase("p2", t0)]
>>> done = work_queue(cases, {"p1": 0.0}, team, as_of=t0 + timedelta(days=9))
>>> [(v.party, v.fraud, v.known_at.day) for v in done]
[('p1', True, 2), ('p2', False, 3)]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np

from riskline.errors import InvalidInput
from riskline.sim.evaluate import ReviewCase
from riskline.sim.labels import Labels, json_lines

__all__ = [
    "AnalystTeam",
    "CaseVerdict",
    "RepaymentOutcome",
    "fraud_since",
    "read_cases",
    "repayment_outcomes",
    "work_queue",
    "write_known_labels",
]

M1_DAYS = 30
M3_DAYS = 90


@dataclass(frozen=True, slots=True)
class AnalystTeam:
    """How the simulated analysts work the queue: capacity, delay, error rates, seed."""

    cases_per_day: int = 10
    min_days: float = 1.0
    max_days: float = 5.0
    miss_rate: float = 0.10
    """Probability of clearing a fraudster."""
    false_confirm_rate: float = 0.02
    """Probability of confirming an honest customer."""
    seed: int = 0

    def __post_init__(self) -> None:
        if self.cases_per_day < 1:
            raise InvalidInput(f"cases per day must be at least 1, got {self.cases_per_day}")
        if not 0 <= self.min_days <= self.max_days:
            raise InvalidInput(
                f"need 0 <= min days <= max days, got {self.min_days} and {self.max_days}"
            )
        for name, p in (
            ("miss rate", self.miss_rate),
            ("false-confirm rate", self.false_confirm_rate),
        ):
            if not 0.0 <= p <= 1.0:
                raise InvalidInput(f"{name} must be between 0 and 1, got {p}")


@dataclass(frozen=True, slots=True)
class CaseVerdict:
    """An analyst's verdict on a party's case, known from ``known_at`` (the case closed)."""

    party: str
    fraud: bool
    opened_at: datetime
    known_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The labels-file record."""
        return {
            "kind": "case",
            "party": self.party,
            "fraud": self.fraud,
            "opened_at": self.opened_at.isoformat(),
            "known_at": self.known_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RepaymentOutcome:
    """A bill of an account that matured to M1 (30+ days overdue) or M3 (90+), and when."""

    account: str
    product: str
    due_date: date
    status: Literal["M1", "M3"]
    known_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The labels-file record."""
        return {
            "kind": "repayment",
            "account": self.account,
            "product": self.product,
            "due_date": self.due_date.isoformat(),
            "status": self.status,
            "known_at": self.known_at.isoformat(),
        }


def fraud_since(labels: Labels) -> dict[str, float]:
    """Epoch seconds from which each labeled party (person, account's person, merchant,
    enterprise) was fraud: what an analyst investigating that party could find out."""
    out: dict[str, float] = {}
    for party, records in labels.entities.items():
        for r in records:
            for key in (party, r.get("person_id")):
                if isinstance(key, str):
                    out[key] = min(out.get(key, np.inf), float(r["start_ts"]))
    return out


def work_queue(
    cases: Sequence[ReviewCase],
    truth: Mapping[str, float],
    team: AnalystTeam,
    *,
    as_of: datetime,
) -> list[CaseVerdict]:
    """The verdicts of the cases closed by ``as_of``, in the order they closed.

    ``truth`` maps a fraud party to when its fraud began; it is read only for these cases.
    """
    order = sorted(cases, key=lambda c: (c.opened_at, c.party))
    rng = np.random.default_rng(team.seed)
    work = rng.uniform(team.min_days, team.max_days, len(order))
    luck = rng.random(len(order))
    ready = sorted(
        range(len(order)), key=lambda i: (order[i].opened_at + timedelta(days=float(work[i])), i)
    )
    used: dict[date, int] = {}
    out: list[CaseVerdict] = []
    for i in ready:
        case = order[i]
        closed = case.opened_at + timedelta(days=float(work[i]))
        while used.get(closed.date(), 0) >= team.cases_per_day:
            closed += timedelta(days=1)
        used[closed.date()] = used.get(closed.date(), 0) + 1
        if closed > as_of:
            continue
        fraud_now = truth.get(case.party, np.inf) <= closed.timestamp()
        fraud = luck[i] >= team.miss_rate if fraud_now else luck[i] < team.false_confirm_rate
        out.append(CaseVerdict(case.party, bool(fraud), case.opened_at, closed))
    return sorted(out, key=lambda v: (v.known_at, v.party))


def repayment_outcomes(
    events: Iterable[Mapping[str, Any]], *, as_of: datetime
) -> list[RepaymentOutcome]:
    """M1 and M3 bills of the accounts, from overdue notices and repayments, known by
    ``as_of``."""
    m1: dict[tuple[str, str, str], datetime] = {}
    paid: dict[tuple[str, str, str], datetime] = {}
    for e in events:
        kind = e.get("type")
        if kind not in ("bill_overdue", "repayment"):
            continue
        key = (str(e["account_id"]), str(e["product"]), str(e["due_date"]))
        when = _moment(e["occurred_at"])
        if when > as_of:
            continue
        if kind == "repayment":
            paid.setdefault(key, when)
        elif int(e["days_overdue"]) >= M1_DAYS:
            m1.setdefault(key, when)
    out: list[RepaymentOutcome] = []
    for (account, product, due), when in m1.items():
        due_day = date.fromisoformat(due)
        out.append(RepaymentOutcome(account, product, due_day, "M1", when))
        m3 = datetime.combine(due_day, datetime.min.time(), UTC) + timedelta(days=M3_DAYS)
        repaid = paid.get((account, product, due))
        if m3 <= as_of and (repaid is None or repaid > m3):
            out.append(RepaymentOutcome(account, product, due_day, "M3", m3))
    return sorted(out, key=lambda r: (r.known_at, r.account, r.status))


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_cases(path: Path) -> list[ReviewCase]:
    """The cases of ``cases.jsonl`` (``riskline evaluate --out``); a bad line is refused by
    number."""
    out: list[ReviewCase] = []
    for no, row in json_lines(path):
        try:
            opened = _moment(str(row["opened_at"]))
            out.append(ReviewCase(str(row["party"]), opened, tuple(row.get("reasons", ()))))
        except (ValueError, KeyError, TypeError) as err:
            raise InvalidInput(f"{path.name} line {no}: not a review case ({err})") from None
    return out


def write_known_labels(
    path: Path, verdicts: Iterable[CaseVerdict], outcomes: Iterable[RepaymentOutcome]
) -> int:
    """Write the labels file `riskline train fraud --labels` reads; returns the records."""
    records = [v.to_dict() for v in verdicts] + [o.to_dict() for o in outcomes]
    rows = sorted(records, key=lambda r: (r["known_at"], r["kind"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, sort_keys=True) + "\n")
    return len(rows)
