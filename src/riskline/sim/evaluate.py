"""Score a decision function against a world's labels.

The decision function sees each wire event in time order and never the labels. A
subject counts as *flagged* by any non-approve outcome or a freeze / cut-limit /
close action on it; an account also counts as flagged when its person is.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from riskline.sim.config import TYPOLOGIES
from riskline.sim.labels import Labels
from riskline.sim.simulate import LoadedWorld, load_world

__all__ = [
    "ActionLike",
    "DecisionLike",
    "EvaluationReport",
    "TypologyResult",
    "evaluate",
]

STOPPING = frozenset({"freeze", "cut_limit", "close"})
"""Action kinds that stop further use of a line."""

CREDIT_GATES = frozenset({"NO_CREDIT_LINE", "LINE_NOT_USABLE", "INSUFFICIENT_LIMIT"})
"""Reason codes of a credit decline (no line, line not usable, not enough credit left): the
credit product saying no, not a risk finding. Kept apart from risk flags in every rate."""


class ActionLike(Protocol):
    """An action the engine took on a credit line."""

    @property
    def kind(self) -> str:
        """freeze, cut_limit, close, open_review, challenge or decline_application."""

    @property
    def product(self) -> str | None:
        """The product line acted on, if any."""


class DecisionLike(Protocol):
    """What the evaluator needs from a decision."""

    @property
    def event_id(self) -> str:
        """The event decided on."""

    @property
    def outcome(self) -> str:
        """approve, review, challenge or decline."""

    @property
    def subject(self) -> str:
        """Account, enterprise, merchant or person id the decision is about."""

    @property
    def actions(self) -> Sequence[ActionLike]:
        """Actions taken."""


Decide = Callable[[dict[str, Any]], DecisionLike]


@dataclass(frozen=True, slots=True)
class TypologyResult:
    """Scores of one typology."""

    typology: str
    actors: int
    detected: int
    recall: float
    precision: float
    median_hours_to_detection: float | None
    credit_at_risk: float
    credit_stopped: float
    money_stopped_share: float


@dataclass(frozen=True)
class EvaluationReport:
    """Per-typology scores, false-positive rates and decision-outcome counts."""

    typologies: tuple[TypologyResult, ...]
    precision: float
    fpr_good: float
    fpr_hard_negative: float
    fpr_hard_negative_by_kind: dict[str, float]
    good_persons: int
    hard_negative_persons: int
    outcomes: dict[str, int]
    events: int
    seconds: float
    notes: tuple[str, ...] = field(default=())
    credit_declined_good: float = 0.0
    credit_declined_hard_negative: float = 0.0
    credit_declines: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        body = asdict(self)
        body["typologies"] = [asdict(r) for r in self.typologies]
        return body


class _Tracker:
    """Streams events through the decider and records flags, freezes and stopped credit."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.person_of: dict[str, str] = {}
        self.flagged: dict[str, datetime] = {}
        self.frozen: dict[str, datetime] = {}
        self.credit_declined: set[str] = set()
        self.outcomes: Counter[str] = Counter()
        self.stopped: Counter[str] = Counter()
        self.events = 0

    def feed(self, event: dict[str, Any], decide: Decide) -> None:
        """Decide one event and record what the decision did."""
        when = datetime.fromisoformat(event["occurred_at"])
        if event["type"] == "account_opened":
            self.person_of[event["account_id"]] = event["person_id"]
        owner = event.get("account_id") or event.get("enterprise_id")
        was_frozen = owner is not None and self._frozen_before(owner, when)
        decision = decide(event)
        self.events += 1
        self.outcomes[decision.outcome] += 1
        kinds = {a.kind for a in decision.actions}
        credit_only = _credit_decline(decision)
        if credit_only:
            self.credit_declined.add(decision.subject)
        elif decision.outcome != "approve" or kinds & STOPPING:
            self.flagged.setdefault(decision.subject, when)
        if kinds & STOPPING:
            self.frozen.setdefault(decision.subject, when)
        label = self.labels.events.get(event["event_id"])
        stopped = (decision.outcome == "decline" and not credit_only) or was_frozen
        if label is not None and "credit_cents" in label and stopped:
            self.stopped[label["typology"]] += int(label["credit_cents"])

    def _frozen_before(self, subject: str, when: datetime) -> bool:
        """Whether the subject or its person had a line stopped before ``when``."""
        for key in (subject, self.person_of.get(subject)):
            if key is not None and key in self.frozen and self.frozen[key] < when:
                return True
        return False

    def first_flag(self, subject: str) -> datetime | None:
        """When a subject (or its person) was first flagged."""
        times = [
            self.flagged[k] for k in (subject, self.person_of.get(subject)) if k in self.flagged
        ]
        return min(times) if times else None


def _credit_decline(decision: DecisionLike) -> bool:
    """A decline whose every reason is a credit gate (see :data:`CREDIT_GATES`)."""
    if decision.outcome != "decline":
        return False
    codes = {getattr(r, "code", None) for r in getattr(decision, "reasons", ())}
    return bool(codes) and codes <= CREDIT_GATES and not decision.actions


def evaluate(
    world: Path | LoadedWorld | tuple[Iterable[dict[str, Any]], Labels], decide: Decide
) -> EvaluationReport:
    """Stream a world through ``decide`` in time order and score the decisions."""
    started = time.perf_counter()
    if isinstance(world, Path):
        world = load_world(world)
    events: Iterable[dict[str, Any]]
    if isinstance(world, LoadedWorld):
        events, labels = world.events(), world.labels
    else:
        events, labels = world
    tracker = _Tracker(labels)
    for event in events:
        tracker.feed(event, decide)
    return _report(tracker, labels, time.perf_counter() - started)


NOTES = (
    "recall: labeled accounts/enterprises flagged before their ring's last fraud event",
    "precision per typology: its flagged actors / (those + flagged non-fraud subjects)",
    "money stopped: labeled credit events declined or made after a freeze/cut/close",
    "credit declines (no line, not usable, not enough credit) are counted apart, never as flags",
)


def _report(tracker: _Tracker, labels: Labels, seconds: float) -> EvaluationReport:
    fraud_subjects = set(labels.entities) | labels.fraud_persons()
    fraud_subjects |= {a for a, p in tracker.person_of.items() if p in fraud_subjects}
    false_flags = sum(1 for s in tracker.flagged if s not in fraud_subjects)
    rows = tuple(_typology(t, tracker, labels, false_flags) for t in _typologies(labels))
    fpr = _PersonRates(tracker, labels, fraud_subjects)
    return EvaluationReport(
        typologies=rows,
        precision=_ratio(len(tracker.flagged) - false_flags, len(tracker.flagged)),
        fpr_good=fpr.rate(fpr.good),
        fpr_hard_negative=fpr.rate(list(fpr.hard)),
        fpr_hard_negative_by_kind=fpr.by_kind(),
        good_persons=len(fpr.good),
        hard_negative_persons=len(fpr.hard),
        outcomes=dict(sorted(tracker.outcomes.items())),
        events=tracker.events,
        seconds=round(seconds, 2),
        notes=NOTES,
        credit_declined_good=fpr.rate(fpr.good, tracker.credit_declined),
        credit_declined_hard_negative=fpr.rate(list(fpr.hard), tracker.credit_declined),
        credit_declines=len(tracker.credit_declined),
    )


class _PersonRates:
    """False-positive rates over persons: flagged when the person or any account is."""

    def __init__(self, tracker: _Tracker, labels: Labels, fraud: set[str]) -> None:
        self.flagged = tracker.flagged
        self.accounts_of: dict[str, list[str]] = {}
        for account, person in tracker.person_of.items():
            self.accounts_of.setdefault(person, []).append(account)
        self.hard = {p: r for p, r in labels.hard_negatives.items() if p in self.accounts_of}
        self.good = [p for p in self.accounts_of if p not in fraud and p not in self.hard]

    def is_flagged(self, person: str, within: Iterable[str] | None = None) -> bool:
        """Whether the person or one of their accounts is in ``within`` (default: flagged)."""
        marks = self.flagged if within is None else within
        return person in marks or any(a in marks for a in self.accounts_of[person])

    def rate(self, persons: list[str], within: set[str] | None = None) -> float:
        """Share of ``persons`` flagged (or in ``within``)."""
        return _ratio(sum(self.is_flagged(p, within) for p in persons), len(persons))

    def by_kind(self) -> dict[str, float]:
        """Rate per hard-negative kind."""
        kinds: dict[str, list[str]] = {}
        for person, record in self.hard.items():
            for kind in record["kinds"]:
                kinds.setdefault(kind, []).append(person)
        return {k: self.rate(v) for k, v in sorted(kinds.items())}


def _typologies(labels: Labels) -> list[str]:
    present = {r["typology"] for r in labels.actors()}
    return [t for t in TYPOLOGIES if t in present] + sorted(present - set(TYPOLOGIES))


def _typology(name: str, tracker: _Tracker, labels: Labels, false_flags: int) -> TypologyResult:
    actors = [r for r in labels.actors() if r["typology"] == name]
    delays: list[float] = []
    flagged_any = 0
    for actor in actors:
        flag = tracker.first_flag(actor["id"])
        if flag is None:
            continue
        flagged_any += 1
        ring = labels.rings.get(actor["ring_id"], {})
        if flag.timestamp() <= ring.get("end_ts", actor["start_ts"]):
            delays.append(max(0.0, (flag.timestamp() - actor["start_ts"]) / 3600))
    at_risk = sum(
        int(r.get("credit_cents", 0)) for r in labels.events.values() if r["typology"] == name
    )
    stopped = tracker.stopped[name]
    return TypologyResult(
        typology=name,
        actors=len(actors),
        detected=len(delays),
        recall=_ratio(len(delays), len(actors)),
        precision=_ratio(flagged_any, flagged_any + false_flags),
        median_hours_to_detection=round(statistics.median(delays), 2) if delays else None,
        credit_at_risk=at_risk / 100,
        credit_stopped=stopped / 100,
        money_stopped_share=_ratio(stopped, at_risk),
    )


def _ratio(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0
