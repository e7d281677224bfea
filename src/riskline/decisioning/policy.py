"""Versioned policy: transparent checks over feature values -> outcome, reasons, line actions.

A policy file is YAML. Each check names the features it reads, an outcome, a reason
(code + plain text for the user, never thresholds) and the actions to take::

    version: "2026.11-1"
    checks:
      - id: device_farm
        events: [account_opened, loan_application]
        when: {all: [{feature: device.accounts_30d, op: ">=", value: 4}]}
        outcome: review
        reason: {code: DEVICE_SHARED, text: "This device is linked to many accounts."}
        actions: [{kind: freeze, product: cash_loan, days: 30}, {kind: open_review}]

>>> p = Policy.from_mapping({"version": "t", "checks": [{"id": "big", "outcome": "review",
...     "when": {"all": [{"feature": "event.amount", "op": ">", "value": 100}]},
...     "reason": {"code": "BIG", "text": "Unusually large."}}]})
>>> p.evaluate("payment", {"event.amount": 150.0}).outcome.value
'review'
>>> p.evaluate("payment", {}).outcome.value
'approve'
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from riskline.decisioning.types import Outcome, Reason
from riskline.errors import InvalidPolicy
from riskline.events.codec import EVENT_TYPES
from riskline.events.schema import validation_details
from riskline.events.types import Product

__all__ = ["ActionSpec", "Check", "Policy", "PolicyResult"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
Name = Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Comparison(_Strict):
    """``feature op value``; false when the feature is missing or NaN."""

    feature: Name
    op: Literal[">", ">=", "<", "<=", "==", "!="]
    value: float = Field(allow_inf_nan=False)


class Condition(_Strict):
    """All of ``all`` and at least one of ``any`` (when given)."""

    all: list[Comparison] = Field(default_factory=list)
    any: list[Comparison] = Field(default_factory=list)


class ActionSpec(_Strict):
    """A line or case action a check asks for."""

    kind: Literal["freeze", "cut_limit", "close", "open_review", "challenge", "decline_application"]
    product: Product | None = None
    days: int | None = Field(default=None, ge=1, le=3650)
    review_days: int = Field(default=7, ge=0, le=365)
    factor: float | None = Field(default=None, gt=0, lt=1)


class ReasonSpec(_Strict):
    """The reason a check gives."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]
    text: Annotated[str, StringConstraints(min_length=1, max_length=300)]


class CheckSpec(_Strict):
    """One check as written in the policy file."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    description: str = ""
    events: list[str] | None = None
    when: Condition
    outcome: Outcome
    reason: ReasonSpec
    actions: list[ActionSpec] = Field(default_factory=list)


class PolicySpec(_Strict):
    """A whole policy file."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    checks: list[CheckSpec]


@dataclass(frozen=True, slots=True)
class Check:
    """A compiled check."""

    spec: CheckSpec
    features: tuple[str, ...]

    def applies_to(self, event_type: str) -> bool:
        """Whether this check looks at events of ``event_type``."""
        return self.spec.events is None or event_type in self.spec.events

    def matches(self, values: Mapping[str, float]) -> bool:
        """True when the condition holds on ``values``."""
        cond = self.spec.when
        if not all(_holds(c, values) for c in cond.all):
            return False
        return not cond.any or any(_holds(c, values) for c in cond.any)


def _holds(c: Comparison, values: Mapping[str, float]) -> bool:
    got = values.get(c.feature)
    if got is None or (isinstance(got, float) and math.isnan(got)):
        return False
    return _OPS[c.op](float(got), c.value)


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Outcome, reasons and requested actions of the checks that fired."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    actions: tuple[tuple[ActionSpec, str], ...]
    fired: tuple[str, ...]


class Policy:
    """A validated, versioned set of checks."""

    def __init__(self, spec: PolicySpec) -> None:
        self.version = spec.version
        self.checks = tuple(_compile(c) for c in spec.checks)
        ids = [c.spec.id for c in self.checks]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise InvalidPolicy(f"duplicate check ids: {', '.join(dup)}")
        self.features = tuple(sorted({f for c in self.checks for f in c.features}))

    @classmethod
    def from_mapping(cls, raw: Any) -> Policy:
        """Validate a parsed policy document."""
        try:
            return cls(PolicySpec.model_validate(raw))
        except PydanticValidationError as err:
            details = validation_details(err)
            first = details[0]
            raise InvalidPolicy(
                f"policy: {'.'.join(first['loc'])}: {first['msg']}", details=details
            ) from None

    @classmethod
    def from_file(cls, path: Path) -> Policy:
        """Load and validate a YAML policy file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise InvalidPolicy(f"cannot read policy {path}: {err}") from None
        return cls.from_mapping(raw)

    @classmethod
    def default(cls) -> Policy:
        """The policy shipped with Riskline."""
        return cls.from_file(Path(__file__).with_name("default_policy.yaml"))

    def evaluate(self, event_type: str, values: Mapping[str, float]) -> PolicyResult:
        """Run every applicable check on ``values``."""
        fired = [c for c in self.checks if c.applies_to(event_type) and c.matches(values)]
        reasons = tuple(
            Reason(c.spec.reason.code, c.spec.reason.text, _evidence(c, values)) for c in fired
        )
        actions = tuple((a, c.spec.reason.code) for c in fired for a in c.spec.actions)
        outcome = Outcome.worst(c.spec.outcome for c in fired)
        return PolicyResult(outcome, reasons, actions, tuple(c.spec.id for c in fired))


def _evidence(check: Check, values: Mapping[str, float]) -> dict[str, float | str]:
    return {f: values[f] for f in check.features if f in values}


def _compile(spec: CheckSpec) -> Check:
    if spec.events is not None:
        unknown = sorted(set(spec.events) - set(EVENT_TYPES))
        if unknown:
            raise InvalidPolicy(f"check {spec.id}: unknown event types {unknown}")
    if not spec.when.all and not spec.when.any:
        raise InvalidPolicy(f"check {spec.id}: 'when' needs at least one comparison")
    for a in spec.actions:
        _check_action(spec.id, a)
    feats = tuple(dict.fromkeys(c.feature for c in (*spec.when.all, *spec.when.any)))
    return Check(spec, feats)


def _check_action(check_id: str, a: ActionSpec) -> None:
    needs_product = {"freeze", "cut_limit", "close"}
    if a.kind in needs_product and a.product is None:
        raise InvalidPolicy(f"check {check_id}: action {a.kind} needs a product")
    if a.kind == "freeze" and a.days is None:
        raise InvalidPolicy(f"check {check_id}: action freeze needs days")
    if a.kind == "cut_limit" and a.factor is None:
        raise InvalidPolicy(f"check {check_id}: action cut_limit needs a factor between 0 and 1")
