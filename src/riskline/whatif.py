"""What-if on your own ledger: a candidate rule set or policy replayed over a stored period.

Both sides are replays into scratch databases: events of the ledger before the period warm
feature, graph and line state with the live set; from the period's first event one engine
decides with the candidate and the other keeps the live set, so the two differ only by the
candidate (the recorded decisions of the period are compared with the live replay, and the
count of those that differ is reported: models, lists or settings may have changed since).

Money is credit exposure: the amounts of drawdowns and payments. **Stopped** means declined
or held for step-up (challenge). **Good customers** are subjects whose closed cases were
cleared (legit) or whose bills were repaid with none 30+ days overdue; **bad** ones have a
confirmed fraud case or a bill 30+ days overdue, read from the source database.
**Affected** means any outcome other than approve. **Cases opened** are distinct subjects
whose decisions in the period ask for a review.

>>> Side().stopped_amount
0.0
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskline.config import Settings
from riskline.decisioning import Decision, Policy
from riskline.decisioning.types import ActionKind
from riskline.errors import InvalidInput
from riskline.events import Event
from riskline.rules import RuleSetHolder
from riskline.storage import SqlStore, connect, scratch_url

__all__ = [
    "CheckRow",
    "Difference",
    "LedgerBacktest",
    "Side",
    "backtest_ledger",
    "customer_labels",
    "replay_period",
]

EXPOSURE_TYPES = frozenset({"loan_drawdown", "payment"})
"""Events whose amount is credit exposure."""
STOPPING = frozenset({"decline", "challenge"})
"""Outcomes that stop (decline) or hold (challenge) the money."""
OVERDUE_DAYS = 30
_BATCH = 256


@dataclass(slots=True)
class Side:
    """What one rule set / policy did over the period."""

    outcomes: dict[str, int] = field(default_factory=dict)
    stopped: int = 0
    stopped_amount: float = 0.0
    cases_opened: int = 0
    good_affected: int = 0
    bad_affected: int = 0


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One reason code (a rule's or a policy check's) on both sides."""

    code: str
    live_hits: int
    candidate_hits: int
    live_stopped_amount: float
    candidate_stopped_amount: float
    live_good_affected: int
    candidate_good_affected: int


@dataclass(frozen=True, slots=True)
class Difference:
    """Events whose outcome changed from ``before`` (live) to ``after`` (candidate)."""

    before: str
    after: str
    count: int
    amount: float


@dataclass(frozen=True, slots=True)
class LedgerBacktest:
    """The candidate against the live set over ``[start, end)`` of the ledger."""

    start: datetime
    end: datetime
    candidate: str
    events: int
    warmup_events: int
    live_source: str
    recorded_mismatches: int
    live: Side
    candidate_side: Side
    checks: tuple[CheckRow, ...]
    differences: tuple[Difference, ...]
    outcomes: Mapping[str, tuple[str, str]] = field(repr=False)
    """Event id -> (live outcome, candidate outcome), for every event of the period."""
    reasons: Mapping[str, tuple[str, ...]] = field(repr=False)
    """Event id -> the candidate decision's reason codes."""

    @property
    def exposure_stopped_delta(self) -> float:
        """Exposure the candidate stops beyond (positive) or short of the live set."""
        return round(self.candidate_side.stopped_amount - self.live.stopped_amount, 2)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the per-event maps)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("outcomes", "reasons")}
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["exposure_stopped_delta"] = self.exposure_stopped_delta
        return out


def replay_period(
    settings: Settings,
    events: Iterable[Event],
    start: datetime,
    *,
    rules: Path | None = None,
    policy: Path | None = None,
) -> Iterator[tuple[Event, Decision]]:
    """Decide ``events`` in a scratch engine; events at or after ``start`` with the candidate
    ``rules`` / ``policy`` (None: the live one), earlier ones with the live set. Yields the
    events of the period with their decisions."""
    from riskline.runtime import build_runtime

    with tempfile.TemporaryDirectory(prefix="riskline-whatif-") as folder:
        scratch = settings.model_copy(
            update={"database_url": scratch_url(str(Path(folder) / "whatif.db"))}
        )
        runtime = build_runtime(scratch, pii_warning=False, projections=False)
        try:
            engine, switched = runtime.engine, False
            batch: list[Event] = []
            for event in events:
                if not switched and event.occurred_at >= start:
                    yield from _decide(engine, batch, start)
                    batch, switched = [], True
                    _use(engine, rules, policy)
                batch.append(event)
                if len(batch) >= _BATCH:
                    yield from _decide(engine, batch, start)
                    batch = []
            yield from _decide(engine, batch, start)
        finally:
            runtime.close()


def _use(engine: Any, rules: Path | None, policy: Path | None) -> None:
    if rules is not None:
        engine.use(rules=RuleSetHolder(rules, engine.schema))
    if policy is not None:
        engine.use(policy=Policy.from_file(policy))


def _decide(engine: Any, batch: list[Event], start: datetime) -> Iterator[tuple[Event, Decision]]:
    if not batch:
        return
    result = engine.process_batch(batch)
    for event, decision in zip(batch, result.decisions, strict=True):
        if event.occurred_at >= start:
            yield event, decision


def _ledger(url: str, end: datetime) -> tuple[list[Event], SqlStore]:
    store = SqlStore(connect(url))
    events = [e for e in store.iter_events() if e.occurred_at < end]
    return events, store


def customer_labels(store: SqlStore, events: Iterable[Event]) -> dict[str, bool]:
    """Subject (account) -> True for a good customer, False for a bad one (see module doc)."""
    from riskline.cases import CaseLabels, Resolution

    repaid: set[str] = set()
    bad: set[str] = set()
    for e in events:
        account = getattr(e, "account_id", None)
        if e.type == "repayment" and account:
            repaid.add(account)
        elif e.type == "bill_overdue" and account and getattr(e, "days_overdue", 0) >= OVERDUE_DAYS:
            bad.add(account)
    cleared: set[str] = set()
    from sqlalchemy.exc import SQLAlchemyError

    try:
        labels = CaseLabels(store.engine).labels()
    except SQLAlchemyError:  # a ledger without the cases tables has no case outcomes
        labels = []
    for label in labels:
        (bad if label.label is Resolution.FRAUD else cleared).add(label.subject)
    good = (repaid | cleared) - bad
    return {**dict.fromkeys(good, True), **dict.fromkeys(bad, False)}


def backtest_ledger(
    settings: Settings,
    start: datetime,
    end: datetime,
    *,
    rules: Path | None = None,
    policy: Path | None = None,
    replay: Callable[..., Iterator[tuple[Event, Decision]]] = replay_period,
) -> LedgerBacktest:
    """Replay ``settings.database_url``'s ledger over ``[start, end)`` with the candidate
    ``rules`` or ``policy`` and with the live set; compare them (see the module docstring)."""
    if (rules is None) == (policy is None):
        raise InvalidInput("give a candidate: --rules FILE or --policy FILE (one of them)")
    if end <= start:
        raise InvalidInput(f"--to ({end.date()}) must be after --from ({start.date()})")
    events, store = _ledger(settings.database_url, end)
    in_period = sum(e.occurred_at >= start for e in events)
    if in_period == 0:
        raise InvalidInput(
            f"the ledger has no events from {start.date()} to {end.date()}: pick another period"
        )
    live = {e.event_id: (e, d) for e, d in replay(settings, events, start)}
    found = replay(settings, events, start, rules=rules, policy=policy)
    cand = {e.event_id: (e, d) for e, d in found}
    labels = customer_labels(store, events)
    recorded = _recorded(store, list(live))
    mismatches = sum(
        1 for i, (_, d) in live.items() if i in recorded and recorded[i] != d.outcome.value
    )
    store.engine.dispose()
    name = str(rules or policy)
    return _compare(start, end, name, len(events) - len(live), live, cand, labels, mismatches)


def _recorded(store: SqlStore, event_ids: list[str]) -> dict[str, str]:
    stored = store.find_events(event_ids)
    decisions = store.get_decisions([s.decision_id for s in stored.values() if s.decision_id])
    return {d.event_id: d.outcome.value for d in decisions.values()}


def _amount(event: Event) -> float:
    if event.type not in EXPOSURE_TYPES:
        return 0.0
    value = getattr(event, "amount", Decimal(0))
    return float(value)


Pairs = Mapping[str, tuple[Event, Decision]]


def _side(pairs: Pairs, labels: Mapping[str, bool]) -> tuple[Side, dict[str, list[Any]]]:
    side, checks = Side(), dict[str, list[Any]]()
    review, good, bad = set[str](), set[str](), set[str]()
    for event, d in pairs.values():
        outcome, amount = d.outcome.value, _amount(event)
        side.outcomes[outcome] = side.outcomes.get(outcome, 0) + 1
        stopped = outcome in STOPPING
        if stopped:
            side.stopped += 1
            side.stopped_amount += amount
        if any(a.kind is ActionKind.OPEN_REVIEW for a in d.actions):
            review.add(d.subject)
        label = labels.get(d.subject) if outcome != "approve" else None
        if label is not None:
            (good if label else bad).add(d.subject)
        for code in dict.fromkeys(d.reason_codes):
            row = checks.setdefault(code, [0, 0.0, set()])
            row[0] += 1
            row[1] += amount if stopped else 0.0
            if label:
                row[2].add(d.subject)
    side.stopped_amount = round(side.stopped_amount, 2)
    side.cases_opened, side.good_affected, side.bad_affected = len(review), len(good), len(bad)
    return side, checks


def _compare(
    start: datetime,
    end: datetime,
    name: str,
    warmup: int,
    live: Pairs,
    cand: Pairs,
    labels: Mapping[str, bool],
    mismatches: int,
) -> LedgerBacktest:
    live_side, live_checks = _side(live, labels)
    cand_side, cand_checks = _side(cand, labels)
    empty: list[Any] = [0, 0.0, set()]
    checks = tuple(
        CheckRow(
            code,
            live_checks.get(code, empty)[0],
            cand_checks.get(code, empty)[0],
            round(live_checks.get(code, empty)[1], 2),
            round(cand_checks.get(code, empty)[1], 2),
            len(live_checks.get(code, empty)[2]),
            len(cand_checks.get(code, empty)[2]),
        )
        for code in sorted(live_checks.keys() | cand_checks.keys())
    )
    changed: Counter[tuple[str, str]] = Counter()
    money: dict[tuple[str, str], float] = {}
    for i, (event, d) in live.items():
        key = (d.outcome.value, cand[i][1].outcome.value)
        if key[0] != key[1]:
            changed[key] += 1
            money[key] = money.get(key, 0.0) + _amount(event)
    diffs = tuple(
        Difference(a, b, n, round(money[(a, b)], 2)) for (a, b), n in changed.most_common()
    )
    outcomes = {i: (d.outcome.value, cand[i][1].outcome.value) for i, (_, d) in live.items()}
    reasons = {i: d.reason_codes for i, (_, d) in cand.items()}
    return LedgerBacktest(
        start,
        end,
        name,
        len(live),
        warmup,
        "replay with the live set",
        mismatches,
        live_side,
        cand_side,
        checks,
        diffs,
        outcomes,
        reasons,
    )
