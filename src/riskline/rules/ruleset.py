"""Rule sets: rules with outcomes or scores, active or shadow, evaluated on feature values.

>>> from datetime import datetime, timezone
>>> from riskline.rules import EmptyLists, load_ruleset_text
>>> rs = load_ruleset_text('''
... version: "1"
... rules:
...   - id: shared_device
...     when: d.accounts_30d >= 4
...     outcome: review
...     reason_code: DEVICE_SHARED
...     text_key: notice.device_shared
...     owner: fraud
... ''', {"d.accounts_30d": "number"})
>>> r = rs.evaluate({"d.accounts_30d": 5}, EmptyLists(), datetime(2026, 1, 1, tzinfo=timezone.utc))
>>> r.outcome, [h.rule_id for h in r.hits], r.hits[0].evidence
(<Outcome.REVIEW: 'review'>, ['shared_device'], {'d.accounts_30d': 5})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from riskline.rules.compiler import Evaluator
from riskline.rules.expression import CompiledExpression
from riskline.rules.functions import Frame
from riskline.rules.lists import ListLookup

__all__ = ["Hit", "Mode", "Outcome", "Rule", "RuleFailure", "RuleResult", "RuleSet"]


class Outcome(StrEnum):
    """What a rule recommends, in increasing severity."""

    APPROVE = "approve"
    REVIEW = "review"
    CHALLENGE = "challenge"
    DECLINE = "decline"

    @property
    def severity(self) -> int:
        """0 for approve up to 3 for decline."""
        return _SEVERITY[self]


_SEVERITY = {o: i for i, o in enumerate(Outcome)}


class Mode(StrEnum):
    """Active rules decide; shadow rules are only recorded."""

    ACTIVE = "active"
    SHADOW = "shadow"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a condition and what its hit means."""

    id: str
    when: CompiledExpression
    reason_code: str
    text_key: str
    owner: str
    mode: Mode = Mode.ACTIVE
    outcome: Outcome | None = None
    score: float | None = None
    description: str = ""
    events: frozenset[str] = frozenset()
    """Event types the rule looks at (empty: every event). A rule fires on the event that
    brings its evidence, not on every later event of the subject."""

    def applies_to(self, event_type: str | None) -> bool:
        """Whether the rule looks at events of ``event_type`` (None: unknown, so yes)."""
        return not self.events or event_type is None or event_type in self.events


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired, with the feature values its expression read (None when missing)."""

    rule: Rule
    evidence: Mapping[str, object]

    @property
    def rule_id(self) -> str:
        """Id of the rule."""
        return self.rule.id

    @property
    def reason_code(self) -> str:
        """Reason code of the rule."""
        return self.rule.reason_code

    @property
    def text_key(self) -> str:
        """User-facing text key of the rule."""
        return self.rule.text_key

    @property
    def mode(self) -> Mode:
        """Active or shadow."""
        return self.rule.mode

    @property
    def outcome(self) -> Outcome | None:
        """The rule's outcome, if it has one."""
        return self.rule.outcome

    @property
    def score(self) -> float | None:
        """The rule's score contribution, if it has one."""
        return self.rule.score


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """A rule whose evaluation raised; it is treated as not hit."""

    rule_id: str
    error: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    """Active hits decide ``outcome`` and ``score``; shadow hits are reported beside them."""

    version: str
    outcome: Outcome
    score: float
    hits: tuple[Hit, ...]
    shadow_hits: tuple[Hit, ...]
    failures: tuple[RuleFailure, ...] = ()

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """Reason codes of the active hits, in rule order."""
        return tuple(h.reason_code for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (datetimes in evidence become ISO text) for logs and decision records."""
        return {
            "version": self.version,
            "outcome": self.outcome.value,
            "score": self.score,
            "hits": [_hit_dict(h) for h in self.hits],
            "shadow_hits": [_hit_dict(h) for h in self.shadow_hits],
            "failures": [{"rule_id": f.rule_id, "error": f.error} for f in self.failures],
        }


def _hit_dict(hit: Hit) -> dict[str, Any]:
    evidence = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in hit.evidence.items()}
    return {
        "rule_id": hit.rule_id,
        "reason_code": hit.reason_code,
        "text_key": hit.text_key,
        "mode": hit.mode.value,
        "outcome": hit.outcome.value if hit.outcome else None,
        "score": hit.score,
        "evidence": evidence,
    }


def _hit(rule: Rule, values: Mapping[str, object]) -> Hit:
    return Hit(rule, {name: values.get(name) for name in rule.when.features})


def worst(outcomes: list[Outcome]) -> Outcome:
    """The most severe outcome, approve when there is none."""
    return max(outcomes, key=_SEVERITY.__getitem__, default=Outcome.APPROVE)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A versioned, validated, compiled set of rules."""

    version: str
    rules: tuple[Rule, ...]
    description: str = ""
    snoozes: Mapping[str, Mapping[str, datetime]] = field(default_factory=dict, compare=False)
    """Rule id -> entity id -> until: the rule does not fire for an event naming that entity
    (any ``event.<kind>_id``) before then."""
    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)
    _plan: tuple[tuple[Rule, Evaluator, bool], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.id: r for r in self.rules})
        plan = tuple((r, r.when.evaluate, r.mode is Mode.ACTIVE) for r in self.rules)
        object.__setattr__(self, "_plan", plan)

    def __getitem__(self, rule_id: str) -> Rule:
        """The rule with this id (``KeyError`` if none)."""
        return self._by_id[rule_id]

    def _snoozed(self, values: Mapping[str, object], now: datetime) -> frozenset[str]:
        """Rules snoozed for an entity this event names."""
        ids = {v for k, v in values.items() if k.startswith("event.") and k.endswith("_id")}
        return frozenset(
            rule
            for rule, entities in self.snoozes.items()
            if any(until > now for e, until in entities.items() if e in ids)
        )

    def evaluate(
        self,
        values: Mapping[str, object],
        lists: ListLookup,
        now: datetime,
        event_type: str | None = None,
    ) -> RuleResult:
        """Evaluate the rules that look at ``event_type`` (all when None) on ``values`` at
        ``now``; shadow hits never change the outcome."""
        frame = Frame(values, lists, now)
        active: list[Hit] = []
        shadow: list[Hit] = []
        failures: list[RuleFailure] = []
        snoozed = self._snoozed(values, now) if self.snoozes else frozenset()
        for rule, evaluate, is_active in self._plan:
            if not rule.applies_to(event_type) or rule.id in snoozed:
                continue
            try:
                if evaluate(frame) is not True:
                    continue
            except Exception as exc:  # a defect in one rule must not stop the others
                failures.append(RuleFailure(rule.id, f"{type(exc).__name__}: {exc}"))
                continue
            (active if is_active else shadow).append(_hit(rule, values))
        if not active:
            return RuleResult(
                self.version, Outcome.APPROVE, 0.0, (), tuple(shadow), tuple(failures)
            )
        outcome = worst([h.outcome for h in active if h.outcome is not None])
        score = sum(h.score for h in active if h.score is not None)
        return RuleResult(
            self.version, outcome, float(score), tuple(active), tuple(shadow), tuple(failures)
        )
