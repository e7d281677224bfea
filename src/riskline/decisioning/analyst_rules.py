"""Analyst rule sets in the decision: active hits decide, shadow hits are only recorded.

A rule hit gives the decision its reason code and outcome; the standard action for the
outcome follows (review → open a review, challenge → step-up verification, decline of an
application → decline it). Line actions stay with the policy, which may read
``rules.score`` (the summed score contributions of active hits).

>>> OUTCOME_ACTIONS["challenge"]
<ActionKind.CHALLENGE: 'challenge'>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from riskline.decisioning.types import Action, ActionKind, Outcome, Reason
from riskline.rules import ListLookup, RuleResult, RuleSet

__all__ = ["OUTCOME_ACTIONS", "RULES_SCHEMA", "RuleSource", "RulesVerdict", "apply_rules"]

RULES_SCHEMA = {"rules.score": "number"}
"""What the policy may read of the rule set's result."""

OUTCOME_ACTIONS = {
    "review": ActionKind.OPEN_REVIEW,
    "challenge": ActionKind.CHALLENGE,
    "decline": ActionKind.DECLINE_APPLICATION,
}
"""The standard action for a rule outcome."""


class RuleSource(Protocol):
    """Where the current rule set comes from (``riskline.rules.RuleSetHolder`` hot-reloads)."""

    @property
    def current(self) -> RuleSet: ...


@dataclass(frozen=True, slots=True)
class RulesVerdict:
    """What the rule set says about one event."""

    outcome: Outcome
    score: float
    reasons: tuple[Reason, ...]
    actions: tuple[Action, ...]
    shadow: tuple[str, ...]
    version: str


def apply_rules(
    rules: RuleSet,
    values: Mapping[str, object],
    lists: ListLookup,
    now: datetime,
    texts: Mapping[str, str],
    application: bool,
    event_type: str | None = None,
) -> RulesVerdict:
    """Evaluate the ``rules`` that look at ``event_type`` and turn active hits into reasons
    and standard actions."""
    result: RuleResult = rules.evaluate(values, lists, now, event_type)
    reasons = tuple(
        Reason(
            h.reason_code,
            texts.get(h.text_key, rules[h.rule_id].description),
            _evidence(h.evidence),
        )
        for h in result.hits
    )
    kinds = {
        OUTCOME_ACTIONS[h.outcome.value]
        for h in result.hits
        if h.outcome and h.outcome.value in OUTCOME_ACTIONS
    }
    if not application:
        kinds.discard(ActionKind.DECLINE_APPLICATION)
    actions = tuple(Action(k) for k in sorted(kinds))
    shadow = tuple(h.rule_id for h in result.shadow_hits)
    return RulesVerdict(
        Outcome(result.outcome.value), result.score, reasons, actions, shadow, result.version
    )


def _evidence(raw: Mapping[str, object]) -> dict[str, float | str]:
    return {k: v for k, v in raw.items() if isinstance(v, int | float | str)}
