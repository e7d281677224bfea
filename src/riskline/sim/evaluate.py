"""Score a decision function against a world's labels.

The decision function sees each wire event in time order and never the labels. Reason codes
(``decision.reasons[i].code``), model scores (``decision.scores``) and an action's
``owner_id`` / ``applied`` are read when a decision has them.

Definitions (persons are the unit of harm; an account's decisions count for its person):

- **risk flag**: a non-approve outcome, or a freeze / cut-limit / close action, that is not a
  pure credit decline (:data:`CREDIT_GATES`). Credit declines are counted apart, never as flags.
- **recall**: labeled accounts / enterprises flagged (themselves or their person) before their
  ring's last fraud event. **Time to detection**: from the actor's first labeled fraud event
  (else its label's start) to that first flag, 0 when flagged before it.
- **attributed precision** of a typology: its *parties* flagged (the persons of its account
  actors, its enterprise actors) / (those + honest persons flagged at any time by a reason code
  that was on the *first* flag of one of its actors). The first flag is the one that detected;
  later flags follow from it. A typology caught by a narrow reason is not charged with the false
  flags of every other reason; one caught by a noisy reason carries all of that reason's noise.
- **harm**: for good persons and each hard-negative kind, the share of persons challenged,
  held (a freeze that comes with a challenge: the drawdown held pending step-up), reviewed,
  declined for risk, declined for credit, limit cut, frozen, closed, and any risk flag; and new
  review cases per 10,000 customers per day: the engine's case follower opens a case on a
  party's first review-asking decision and links its later ones to it (no analyst closes cases
  in a simulated run), so one case per person (or enterprise) that was ever put in review.
  Days are the distinct dates with a payment.
- **PR score** of a party: the most severe thing the engine did to it (0 approve, 1 challenge,
  2 review, 3 risk decline, 4 freeze / cut / close outside a challenge) plus, as a tie-break
  inside a level, its highest ``score.fraud`` (times 0.999). Curves rank a typology's parties
  against honest persons by it.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from riskline.sim.config import TYPOLOGIES
from riskline.sim.labels import Labels
from riskline.sim.simulate import LoadedWorld, load_world

if TYPE_CHECKING:
    from riskline.sim.eod_baseline import BaselineReport

__all__ = [
    "CREDIT_GATES",
    "HARMS",
    "IMPOSTORS",
    "ActionLike",
    "DecisionLike",
    "EvaluationReport",
    "HarmRow",
    "PrCurve",
    "ReviewCase",
    "TypologyResult",
    "evaluate",
]

STOPPING = frozenset({"freeze", "cut_limit", "close"})
"""Action kinds that stop further use of a line."""

MERCHANT_KINDS = frozenset({"hold_settlement", "cap_acceptance"})
"""Action kinds on the event's merchant, not on the customer."""

IMPOSTORS = frozenset({"takeover"})
"""Typologies whose credit events are made by someone other than the account's owner. The
engine's step-up asks for the enrolled face (docs/identity.md), which an impostor cannot give,
so a challenge or a hold stops their money; an owner (cash-out, bust-out, a farm's operator)
passes it, and the hold is lifted."""

CREDIT_GATES = frozenset(
    {"NO_CREDIT_LINE", "LINE_NOT_USABLE", "INSUFFICIENT_LIMIT", "ACCOUNT_DELINQUENT"}
)
"""Reason codes of a credit decline (no line, line not usable, not enough credit left, new
credit paused while a bill is overdue): the
credit product saying no, not a risk finding. Kept apart from risk flags in every rate."""

APPLICATIONS = frozenset({"loan_application", "enterprise_loan_application"})
"""Event types that ask for a credit line: one held for review opens no line until an analyst
clears it, so a draw the engine then declines for having no line was stopped by the review
(an account opening gets its revolving line whatever the outcome short of a decline)."""

HARMS = (
    "challenged",
    "held",
    "reviewed",
    "declined_risk",
    "declined_credit",
    "limit_cut",
    "frozen",
    "closed",
)
"""Columns of the harm table, in the order a customer would feel them."""

NO_REASON = "(no reason)"
"""The code a flag without reason codes is attributed to."""

_LEVEL = {"approve": 0, "challenge": 1, "review": 2, "decline": 3}
_STOP_LEVEL = 4


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
    """Scores of one typology (precision attributed by reason, see the module docstring)."""

    typology: str
    actors: int
    detected: int
    recall: float
    precision: float
    median_hours_to_detection: float | None
    credit_at_risk: float
    credit_stopped: float
    money_stopped_share: float
    held_stopped: float = 0.0
    """Part of ``credit_stopped`` held by a step-up an impostor cannot pass."""
    review_stopped: float = 0.0
    """Part of ``credit_stopped`` held for review: the engine draws a line only on an approve,
    and an analyst releases it only by clearing the case."""
    parties_flagged: int = 0
    honest_flagged_by_its_reasons: int = 0
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HarmRow:
    """What the engine did to one group of honest persons: shares of persons per harm."""

    group: str
    persons: int
    rates: dict[str, float]
    any_risk: float
    cases_per_10k_day: float


@dataclass(frozen=True, slots=True)
class PrCurve:
    """Precision and recall of one typology's parties against honest persons, by PR score."""

    typology: str
    points: tuple[tuple[float, float, float], ...]
    """(threshold, recall, precision), thresholds descending."""
    average_precision: float


@dataclass(frozen=True, slots=True)
class ReviewCase:
    """A review case the run opened: the party (person, enterprise or merchant), when, and the
    reason codes of the decision that opened it. What an analyst queue receives."""

    party: str
    opened_at: datetime
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``opened_at`` in ISO 8601)."""
        return {
            "party": self.party,
            "opened_at": self.opened_at.isoformat(),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class EvaluationReport:
    """Per-typology scores, harm, false-positive rates and decision-outcome counts."""

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
    harm: tuple[HarmRow, ...] = ()
    review_cases_per_10k_day: float = 0.0
    days: int = 0
    curves: tuple[PrCurve, ...] = ()
    tracker_seconds: float = 0.0
    precision_persons: float = 0.0
    """Parties of fraud actors flagged / (those + honest persons flagged): the baseline's unit."""
    baseline: BaselineReport | None = None
    enterprise_harm: HarmRow | None = None
    """The same shares over the honest enterprises (registered, not labeled fraud): a business
    reviewed, declined or frozen is a customer harmed too. None when the world has none."""
    review_cases: tuple[ReviewCase, ...] = ()
    """The cases opened, in order (written to ``cases.jsonl``, not to the JSON report)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, without the case list."""
        out = asdict(replace(self, review_cases=()))
        del out["review_cases"]
        return out


class _Tracker:
    """Streams events through the decider and records flags, harms, scores and stopped credit."""

    def __init__(self, labels: Labels, passive: frozenset[str] = frozenset()) -> None:
        self.labels = labels
        self.passive = passive
        self.person_of: dict[str, str] = {}
        self.flagged: dict[str, datetime] = {}
        self.first_codes: dict[str, frozenset[str]] = {}
        self.codes: dict[str, set[str]] = {}
        self.frozen: dict[str, datetime] = {}
        self.held: dict[str, datetime] = {}
        self.applied_in_review: dict[str, datetime] = {}
        self.credit_declined: set[str] = set()
        self.harmed: dict[str, set[str]] = {h: set() for h in HARMS}
        self.cases: dict[str, datetime] = {}
        self.case_reasons: dict[str, tuple[str, ...]] = {}
        self.score: dict[str, float] = {}
        self.first_fraud: dict[str, datetime] = {}
        self.days: set[str] = set()
        self.outcomes: Counter[str] = Counter()
        self.stopped: Counter[str] = Counter()
        self.held_stopped: Counter[str] = Counter()
        self.review_stopped: Counter[str] = Counter()
        self.enterprises: set[str] = set()
        self.events = 0
        self.seconds = 0.0

    def feed(self, event: dict[str, Any], decide: Decide) -> None:
        """Decide one event and record what the decision did."""
        decision = decide(event)
        started = time.perf_counter()
        when = datetime.fromisoformat(event["occurred_at"])
        kind = event["type"]
        if kind == "payment":
            self.days.add(event["occurred_at"][:10])
        elif kind == "account_opened":
            self.person_of[event["account_id"]] = event["person_id"]
        elif kind == "enterprise_registered":
            self.enterprises.add(event["enterprise_id"])
        owner = event.get("account_id") or event.get("enterprise_id")
        outcome = str(decision.outcome)
        self.events += 1
        self.outcomes[outcome] += 1
        risk_decline = False
        if outcome != "approve" or decision.actions:
            risk_decline = self._record(decision, outcome, when)
        if kind in APPLICATIONS and outcome == "review" and owner is not None:
            self.applied_in_review.setdefault(owner, when)
        self._note_score(decision, 0)
        label = self.labels.events.get(event["event_id"])
        if label is not None:
            if owner is not None:
                self.first_fraud.setdefault(owner, when)
            if "credit_cents" in label:
                no_line = outcome == "decline" and _no_line(decision)
                self._count_stopped(label, owner, outcome, risk_decline, when, no_line=no_line)
        self.seconds += time.perf_counter() - started

    def _count_stopped(
        self,
        label: dict[str, Any],
        owner: str | None,
        outcome: str,
        declined: bool,
        when: datetime,
        *,
        no_line: bool = False,
    ) -> None:
        """Add a labeled credit event's money to what was stopped, and to the part a review or
        an impostor's hold stopped (marks made at ``when`` itself are not before it). A draw
        declined for having no line after the line's application went to review (``no_line``)
        was stopped by that review."""
        typology, cents = label["typology"], int(label["credit_cents"])
        part: Counter[str] | None
        if declined or self._stopped_before(self.frozen, owner, when):
            part = None
        elif outcome == "review" or (
            no_line
            and owner is not None
            and self._stopped_before(self.applied_in_review, owner, when)
        ):
            part = self.review_stopped
        elif typology in IMPOSTORS and (
            outcome == "challenge" or self._stopped_before(self.held, owner, when)
        ):
            part = self.held_stopped
        else:
            return
        self.stopped[typology] += cents
        if part is not None:
            part[typology] += cents

    def _record(self, decision: DecisionLike, outcome: str, when: datetime) -> bool:
        """Flags, harms, cases and codes of a decision that did something; True on a risk
        decline."""
        subject = decision.subject
        if _credit_decline(decision, self.passive):
            self.credit_declined.add(subject)
            self.harmed["declined_credit"].add(subject)
            return False
        kinds = {str(a.kind) for a in decision.actions}
        level = _LEVEL.get(outcome, 0)
        harms = _outcome_harms(outcome, kinds, decision)
        for harm in harms:
            self.harmed[harm].add(subject)
        if "reviewed" in harms:
            party = self.person_of.get(subject, subject)
            if party not in self.cases:
                self.cases[party] = when
                self.case_reasons[party] = tuple(sorted(_codes(decision)))
        for action in decision.actions:
            done = _action_harm(action, outcome)
            if done is not None:
                self.harmed[done].add(getattr(action, "owner_id", None) or subject)
                level = max(level, 1 if done == "held" else _STOP_LEVEL)
        if kinds & STOPPING:
            (self.held if outcome == "challenge" else self.frozen).setdefault(subject, when)
        if outcome != "approve" or kinds & STOPPING:
            codes = frozenset(_codes(decision))
            self.flagged.setdefault(subject, when)
            self.first_codes.setdefault(subject, codes)
            self.codes.setdefault(subject, set()).update(codes)
            self._note_score(decision, level)
        return outcome == "decline"

    def _note_score(self, decision: DecisionLike, level: int) -> None:
        scores = getattr(decision, "scores", None)
        model = scores.get("score.fraud") if scores else None
        value = level + (0.999 * min(max(float(model), 0.0), 1.0) if model is not None else 0.0)
        if value > self.score.get(decision.subject, 0.0):
            self.score[decision.subject] = value

    def _stopped_before(
        self, marks: dict[str, datetime], subject: str | None, when: datetime
    ) -> bool:
        """Whether the subject or its person was marked (frozen, or held) before ``when``."""
        if subject is None:
            return False
        for key in (subject, self.person_of.get(subject)):
            if key is not None and key in marks and marks[key] < when:
                return True
        return False

    def first_flag(self, subject: str) -> tuple[datetime, frozenset[str]] | None:
        """When a subject (or its person) was first flagged, and that flag's reason codes."""
        found = [
            (self.flagged[k], self.first_codes[k])
            for k in (subject, self.person_of.get(subject))
            if k is not None and k in self.flagged
        ]
        return min(found, key=lambda f: f[0]) if found else None


def _reason_codes(decision: DecisionLike) -> set[str]:
    """Every reason code of a decision, credit gates included."""
    return {str(getattr(r, "code", NO_REASON)) for r in getattr(decision, "reasons", ())}


def _codes(decision: DecisionLike) -> set[str]:
    return _reason_codes(decision) - CREDIT_GATES or {NO_REASON}


def _outcome_harms(outcome: str, kinds: set[str], decision: DecisionLike) -> list[str]:
    """The harms an outcome and its case / challenge actions do to the decision's subject."""
    out = []
    if outcome == "challenge" or "challenge" in kinds:
        out.append("challenged")
    review = any(
        str(a.kind) == "open_review" and getattr(a, "applied", True) for a in decision.actions
    )
    if outcome == "review" or review:
        out.append("reviewed")
    if outcome == "decline":
        out.append("declined_risk")
    return out


def _action_harm(action: ActionLike, outcome: str) -> str | None:
    """The harm a line action does when applied: a freeze under a challenge is a hold."""
    if not getattr(action, "applied", True):
        return None
    kind = str(action.kind)
    if kind == "freeze":
        return "held" if outcome == "challenge" else "frozen"
    return {"cut_limit": "limit_cut", "close": "closed"}.get(kind)


def _no_line(decision: DecisionLike) -> bool:
    """Whether a decline says the product has no line (``NO_CREDIT_LINE``)."""
    return "NO_CREDIT_LINE" in _reason_codes(decision)


def _credit_decline(decision: DecisionLike, passive: frozenset[str] = frozenset()) -> bool:
    """A decline whose every reason is a credit gate (see :data:`CREDIT_GATES`), but for
    ``passive`` ones that never change an outcome and their actions on the merchant."""
    if str(decision.outcome) != "decline":
        return False
    codes = _reason_codes(decision)
    kinds = {str(a.kind) for a in decision.actions}
    if codes & passive:
        codes, kinds = codes - passive, kinds - MERCHANT_KINDS
    return bool(codes) and codes <= CREDIT_GATES and not kinds


def evaluate(
    world: Path | LoadedWorld | tuple[Iterable[dict[str, Any]], Labels],
    decide: Decide,
    passive: frozenset[str] = frozenset(),
) -> EvaluationReport:
    """Stream a world through ``decide`` in time order and score the decisions. ``passive``:
    reason codes that never change an outcome by themselves (the engine's
    ``passive_codes()``); a decline whose other reasons are all credit gates is a credit
    decline."""
    started = time.perf_counter()
    if isinstance(world, Path):
        world = load_world(world)
    events: Iterable[dict[str, Any]]
    if isinstance(world, LoadedWorld):
        events, labels = world.events(), world.labels
    else:
        events, labels = world
    tracker = _Tracker(labels, passive)
    for event in events:
        tracker.feed(event, decide)
    return _report(tracker, labels, time.perf_counter() - started)


NOTES = (
    "recall: labeled accounts/enterprises flagged (or their person) before their ring's last "
    "fraud event",
    "precision per typology: its parties flagged / (those + honest persons flagged by a reason "
    "code that was on the first flag of one of its actors); overall: fraud subjects among all "
    "flagged subjects; by persons: actors' parties flagged / (those + honest persons flagged)",
    "time to detection: the actor's first labeled fraud event to its first risk flag "
    "(0 when flagged before it)",
    "money stopped: labeled credit events declined for risk, held for review (the engine draws a "
    "line only on an approve; reported apart as review_stopped, with draws declined for having no "
    "line after its application went to review) or made after a freeze/cut/close "
    "outside a challenge; for impostors (takeover), who cannot pass the owner's face check, "
    "also those challenged or made while a line was held (reported apart as held_stopped)",
    "credit declines (no line, not usable, not enough credit) are counted apart, never as flags",
    "harm: share of persons the engine did each thing to; held = a freeze under a challenge; "
    "review cases: one per party ever put in review, per 10,000 customers per day",
    "PR curves: parties ranked by the most severe thing done to them (challenge < review < "
    "decline < freeze/cut/close), ties broken by score.fraud",
)


def _report(tracker: _Tracker, labels: Labels, seconds: float) -> EvaluationReport:
    fraud_subjects = set(labels.entities) | labels.fraud_persons()
    fraud_subjects |= {a for a, p in tracker.person_of.items() if p in fraud_subjects}
    false_flags = sum(1 for s in tracker.flagged if s not in fraud_subjects)
    people = _PersonRates(tracker, labels, fraud_subjects)
    honest = [*people.good, *people.hard]
    honest_codes = {p: people.union(p, tracker.codes) for p in honest}
    names = _typologies(labels)
    days = len(tracker.days)
    negatives = [people.score(p, tracker.score) for p in honest]
    caught = {a.get("person_id", a["id"]) for a in labels.actors() if tracker.first_flag(a["id"])}
    wrong = sum(people.is_flagged(p) for p in honest)
    return EvaluationReport(
        typologies=tuple(_typology(t, tracker, labels, honest_codes) for t in names),
        precision=_ratio(len(tracker.flagged) - false_flags, len(tracker.flagged)),
        precision_persons=_ratio(len(caught), len(caught) + wrong),
        fpr_good=people.rate(people.good),
        fpr_hard_negative=people.rate(list(people.hard)),
        fpr_hard_negative_by_kind={k: people.rate(v) for k, v in people.kinds().items()},
        good_persons=len(people.good),
        hard_negative_persons=len(people.hard),
        outcomes=dict(sorted(tracker.outcomes.items())),
        events=tracker.events,
        seconds=round(seconds, 2),
        notes=NOTES,
        credit_declined_good=people.rate(people.good, tracker.credit_declined),
        credit_declined_hard_negative=people.rate(list(people.hard), tracker.credit_declined),
        credit_declines=len(tracker.credit_declined),
        harm=_harm(people, tracker, days),
        enterprise_harm=_enterprise_harm(tracker, labels, days),
        review_cases_per_10k_day=_per_10k_day(len(tracker.cases), len(people.accounts_of), days),
        days=days,
        curves=tuple(_curve(t, people.scores(labels, t, tracker.score), negatives) for t in names),
        tracker_seconds=round(tracker.seconds, 2),
        review_cases=tuple(
            ReviewCase(p, w, tracker.case_reasons[p]) for p, w in tracker.cases.items()
        ),
    )


class _PersonRates:
    """Persons of the run: flagged when the person or any of their accounts is."""

    def __init__(self, tracker: _Tracker, labels: Labels, fraud: set[str]) -> None:
        self.flagged = tracker.flagged
        self.accounts_of: dict[str, list[str]] = {}
        for account, person in tracker.person_of.items():
            self.accounts_of.setdefault(person, []).append(account)
        self.hard = {p: r for p, r in labels.hard_negatives.items() if p in self.accounts_of}
        self.good = [p for p in self.accounts_of if p not in fraud and p not in self.hard]

    def subjects(self, party: str) -> list[str]:
        """The party and its accounts."""
        return [party, *self.accounts_of.get(party, ())]

    def is_flagged(self, person: str, within: Iterable[str] | None = None) -> bool:
        """Whether the person or one of their accounts is in ``within`` (default: flagged)."""
        marks = self.flagged if within is None else within
        return person in marks or any(a in marks for a in self.accounts_of[person])

    def rate(self, persons: list[str], within: set[str] | None = None) -> float:
        """Share of ``persons`` flagged (or in ``within``)."""
        return _ratio(sum(self.is_flagged(p, within) for p in persons), len(persons))

    def union(self, party: str, sets: dict[str, set[str]]) -> set[str]:
        """The union of ``sets`` over the party and its accounts."""
        out: set[str] = set()
        for s in self.subjects(party):
            out |= sets.get(s, set())
        return out

    def kinds(self) -> dict[str, list[str]]:
        """Hard-negative persons by kind (a person can be of several kinds)."""
        kinds: dict[str, list[str]] = {}
        for person, record in self.hard.items():
            for kind in record["kinds"]:
                kinds.setdefault(kind, []).append(person)
        return dict(sorted(kinds.items()))

    def score(self, party: str, score: dict[str, float]) -> float:
        """The PR score of a party: the highest of its own and its accounts'."""
        return max(score.get(s, 0.0) for s in self.subjects(party))

    def scores(self, labels: Labels, typology: str, score: dict[str, float]) -> list[float]:
        """PR scores of a typology's parties (persons of its account actors, its enterprises)."""
        parties = {
            a.get("person_id", a["id"]) for a in labels.actors() if a["typology"] == typology
        }
        return [self.score(p, score) for p in sorted(parties)]


def _typologies(labels: Labels) -> list[str]:
    present = {r["typology"] for r in labels.actors()}
    return [t for t in TYPOLOGIES if t in present] + sorted(present - set(TYPOLOGIES))


def _typology(
    name: str, tracker: _Tracker, labels: Labels, honest_codes: dict[str, set[str]]
) -> TypologyResult:
    actors = [r for r in labels.actors() if r["typology"] == name]
    delays: list[float] = []
    parties: set[str] = set()
    reasons: set[str] = set()
    for actor in actors:
        first = tracker.first_flag(actor["id"])
        if first is None:
            continue
        flag, codes = first
        parties.add(actor.get("person_id", actor["id"]))
        reasons |= codes
        ring = labels.rings.get(actor["ring_id"], {})
        if flag.timestamp() <= ring.get("end_ts", actor["start_ts"]):
            began = tracker.first_fraud.get(actor["id"])
            start = began.timestamp() if began is not None else actor["start_ts"]
            delays.append(max(0.0, (flag.timestamp() - start) / 3600))
    honest = sum(1 for codes in honest_codes.values() if codes & reasons)
    at_risk = sum(
        int(r.get("credit_cents", 0)) for r in labels.events.values() if r["typology"] == name
    )
    stopped = tracker.stopped[name]
    return TypologyResult(
        typology=name,
        actors=len(actors),
        detected=len(delays),
        recall=_ratio(len(delays), len(actors)),
        precision=_ratio(len(parties), len(parties) + honest),
        median_hours_to_detection=round(statistics.median(delays), 2) if delays else None,
        credit_at_risk=at_risk / 100,
        credit_stopped=stopped / 100,
        money_stopped_share=_ratio(stopped, at_risk),
        held_stopped=tracker.held_stopped[name] / 100,
        review_stopped=tracker.review_stopped[name] / 100,
        parties_flagged=len(parties),
        honest_flagged_by_its_reasons=honest,
        reasons=tuple(sorted(reasons)),
    )


def _harm(people: _PersonRates, tracker: _Tracker, days: int) -> tuple[HarmRow, ...]:
    """One row for good persons and one per hard-negative kind."""
    rows = []
    for group, persons in [("good persons", people.good), *people.kinds().items()]:
        cases = sum(1 for p in persons if p in tracker.cases)
        rows.append(
            HarmRow(
                group=group,
                persons=len(persons),
                rates={h: people.rate(persons, tracker.harmed[h]) for h in HARMS},
                any_risk=people.rate(persons),
                cases_per_10k_day=_per_10k_day(cases, len(persons), days),
            )
        )
    return tuple(rows)


def _enterprise_harm(tracker: _Tracker, labels: Labels, days: int) -> HarmRow | None:
    """The harm row of the honest enterprises (those no label names)."""
    honest = sorted(e for e in tracker.enterprises if e not in labels.entities)
    if not honest:
        return None

    def share(within: Container[str]) -> float:
        return _ratio(sum(e in within for e in honest), len(honest))

    cases = sum(1 for e in honest if e in tracker.cases)
    return HarmRow(
        group="honest enterprises",
        persons=len(honest),
        rates={h: share(tracker.harmed[h]) for h in HARMS},
        any_risk=share(tracker.flagged),
        cases_per_10k_day=_per_10k_day(cases, len(honest), days),
    )


def _curve(name: str, positives: list[float], negatives: list[float]) -> PrCurve:
    """Sweep the threshold down over every distinct PR score above 0."""
    marks = sorted(
        [(s, 1) for s in positives if s > 0] + [(s, 0) for s in negatives if s > 0], reverse=True
    )
    points: list[tuple[float, float, float]] = []
    hits = seen = 0
    average = last = 0.0
    for i, (value, hit) in enumerate(marks):
        hits, seen = hits + hit, seen + 1
        if i + 1 < len(marks) and marks[i + 1][0] == value:
            continue
        recall, precision = hits / len(positives), hits / seen
        average += (recall - last) * precision
        last = recall
        points.append((round(value, 4), round(recall, 4), round(precision, 4)))
    return PrCurve(name, _thin(points, 60), round(average, 4))


def _thin(points: list[tuple[float, float, float]], most: int) -> tuple[Any, ...]:
    if len(points) <= most:
        return tuple(points)
    step = (len(points) - 1) / (most - 1)
    return tuple(points[round(i * step)] for i in range(most))


def _per_10k_day(count: int, persons: int, days: int) -> float:
    return round(10_000 * count / (persons * days), 3) if persons and days else 0.0


def _ratio(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0
