"""Training labels a platform knows: case verdicts and matured repayment outcomes.

A labels file (JSON lines, written by ``riskline labels analysts``) holds two kinds of record:

- ``{"kind": "case", "party": ..., "fraud": true|false, "opened_at": ..., "known_at": ...}``:
  an analyst's verdict on a review case;
- ``{"kind": "repayment", "account": ..., "product": ..., "due_date": ..., "status": "M1"|"M3",
  "known_at": ...}``: a bill that went 30 (M1) or 90 (M3) days overdue.

:func:`known_starts` turns them into the moments from which a person's or an account's events
count as fraud for ``riskline train fraud --labels``: a confirmed person's from ``lookback_days``
before the case opened (the activity an analyst reviews); an account with a matured bad bill's
from ``BILL_CYCLE_DAYS`` before its due date (the spend or the drawdown that went unpaid) up to
the due date, after which its events are left out of training (``leave_out``): an overdue
account's later events carry the overdue itself, and a fraud model taught "overdue is fraud"
flags every late payer.
Cleared cases and every party never reviewed count as genuine, as on a real platform.
Records known after ``as_of`` are left out.

>>> from datetime import datetime, timezone
>>> r = [{"kind": "case", "party": "p1", "fraud": True, "opened_at": "2026-01-31T00:00:00Z",
...       "known_at": "2026-02-02T00:00:00Z"}]
>>> known = known_starts(r, KnownLabelRules(lookback_days=30))
>>> datetime.fromtimestamp(known.persons["p1"], timezone.utc).date().isoformat()
'2026-01-01'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from riskline.errors import InvalidInput

__all__ = [
    "BILL_CYCLE_DAYS",
    "OVERDUE",
    "KnownLabelRules",
    "KnownStarts",
    "known_starts",
    "read_known",
]

BILL_CYCLE_DAYS = 30
"""Days before a due date that the unpaid spend (a month's bill, a 30-day loan) began."""

OVERDUE = ("m1", "m3", "none")
"""Which matured repayment outcome counts as fraud: M1 (or worse), M3, or none."""


@dataclass(frozen=True, slots=True)
class KnownLabelRules:
    """How known labels become training labels."""

    lookback_days: float = 30.0
    overdue: str = "m1"
    """One of :data:`OVERDUE`."""
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        if self.lookback_days < 0:
            raise InvalidInput(f"lookback days must be 0 or more, got {self.lookback_days}")
        if self.overdue not in OVERDUE:
            raise InvalidInput(f"overdue must be m1, m3 or none, got {self.overdue!r}")


@dataclass(frozen=True, slots=True)
class KnownStarts:
    """Epoch seconds from which events count as fraud, by account and by person, and counts."""

    accounts: dict[str, float] = field(default_factory=dict)
    persons: dict[str, float] = field(default_factory=dict)
    leave_out: dict[str, float] = field(default_factory=dict)
    """From when an overdue account's events are left out of training (its first bad due
    date)."""
    confirmed: int = 0
    cleared: int = 0
    overdue_accounts: int = 0

    def pair(self) -> tuple[dict[str, float], dict[str, float]]:
        """(by account, by person), as :func:`riskline.training.world_frame` takes them."""
        return self.accounts, self.persons


def _moment(value: Any, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not an ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_known(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a labels file; a line that is not a JSON object is refused by number."""
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise InvalidInput(f"{path.name} line {no}: not JSON") from None
            if not isinstance(row, dict) or row.get("kind") not in ("case", "repayment"):
                raise InvalidInput(f"{path.name} line {no}: kind must be case or repayment")
            yield row


def known_starts(records: Iterable[Mapping[str, Any]], rules: KnownLabelRules) -> KnownStarts:
    """From when each confirmed person's and each bad account's events count as fraud."""
    accounts: dict[str, float] = {}
    persons: dict[str, float] = {}
    leave_out: dict[str, float] = {}
    verdicts = {True: 0, False: 0}
    lookback = timedelta(days=rules.lookback_days)
    wanted = {"m1": ("M1", "M3"), "m3": ("M3",), "none": ()}[rules.overdue]
    for r in records:
        if rules.as_of is not None and _moment(r.get("known_at"), "known_at") > rules.as_of:
            continue
        try:
            if r["kind"] == "case":
                verdicts[bool(r["fraud"])] += 1
                if r["fraud"]:
                    begin = (_moment(r["opened_at"], "opened_at") - lookback).timestamp()
                    _earliest(persons, str(r["party"]), begin)
            elif r["status"] in wanted:
                due = _moment(f"{r['due_date']}T00:00:00+00:00", "due_date")
                begin = (due - timedelta(days=BILL_CYCLE_DAYS)).timestamp()
                _earliest(accounts, str(r["account"]), begin)
                _earliest(leave_out, str(r["account"]), due.timestamp())
        except KeyError as err:
            raise InvalidInput(f"a {r['kind']} label has no {err.args[0]}") from None
    return KnownStarts(accounts, persons, leave_out, verdicts[True], verdicts[False], len(accounts))


def _earliest(starts: dict[str, float], key: str, begin: float) -> None:
    starts[key] = min(starts.get(key, begin), begin)
