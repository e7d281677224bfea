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
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from riskline.decisioning.loss import Calibration, LossSpec, Step, choose, ladder
from riskline.decisioning.types import Outcome, Reason
from riskline.errors import InvalidPolicy
from riskline.events.codec import EVENT_TYPES
from riskline.events.schema import validation_details
from riskline.events.types import Product
from riskline.rules import EmptyLists, ListLookup, RuleError, Type, compile_expression

__all__ = [
    "DEFAULT_POLICY_PATH",
    "ActionSpec",
    "Check",
    "CheckSpec",
    "ContagionSpec",
    "LossSpec",
    "Policy",
    "PolicyResult",
]

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")
"""The policy shipped with Riskline (the YAML file is also the export format)."""

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
    """A line, case or merchant action a check asks for (merchant actions: the event's
    merchant, see :mod:`riskline.decisioning.merchant_actions`)."""

    kind: Literal[
        "freeze",
        "cut_limit",
        "close",
        "open_review",
        "challenge",
        "decline_application",
        "hold_settlement",
        "cap_acceptance",
    ]
    product: Product | None = None
    days: int | None = Field(default=None, ge=1, le=3650)
    review_days: int = Field(default=7, ge=0, le=365)
    factor: float | None = Field(default=None, gt=0, lt=1)
    amount: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """``cap_acceptance`` only: the largest credit-funded payment the merchant may accept."""


Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]
"""A reason code: upper case, digits and underscores."""


class ReasonSpec(_Strict):
    """The reason a check gives."""

    code: Code
    text: Annotated[str, StringConstraints(min_length=1, max_length=300)]


class CheckSpec(_Strict):
    """One check as written in the policy file."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    description: str = ""
    events: list[str] | None = None
    when: Condition | Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    outcome: Outcome
    reason: ReasonSpec
    actions: list[ActionSpec] = Field(default_factory=list)
    calibration: Calibration | None = None
    """How the check did on a labelled training world (``riskline tune``); with the
    policy's ``loss`` section it lets the check act lighter than written on weak evidence
    (:mod:`riskline.decisioning.loss`)."""


Role = Literal["legal_representative", "actual_controller", "shareholder", "guarantor", "sponsor"]


class ContagionSpec(_Strict):
    """How a person's restriction spreads to the enterprises they hold a role in."""

    roles: Annotated[list[Role], Field(min_length=1)]
    min_share: float = Field(default=0.25, gt=0, le=1)
    outcome: Outcome = Outcome.REVIEW
    reason: ReasonSpec
    actions: list[ActionSpec]
    reverse_reason: ReasonSpec = ReasonSpec(
        code="CONTROLLED_ENTERPRISE_RESTRICTED",
        text="An enterprise you control is under a risk restriction, so your credit is reviewed.",
    )
    reverse_actions: list[ActionSpec] = Field(
        default_factory=lambda: [ActionSpec(kind="open_review")]
    )
    protective: list[Code] = Field(default_factory=list)
    """Reason codes whose freezes protect the owner rather than accuse them (credit used
    from a device that may not be theirs: a takeover's victim is not a fraudster). A freeze
    with no other evidence than these (credit-availability gates aside) neither spreads nor
    flags the owner in the link graph, so the victim's contacts are not "linked to fraud"."""

    def counts(self, link: Any) -> bool:
        """Whether a link (``role``, ``share``) makes the enterprise share the restriction."""
        if link.role not in self.roles:
            return False
        return link.role != "shareholder" or float(link.share or 0) >= self.min_share


class PolicySpec(_Strict):
    """A whole policy file."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    checks: list[CheckSpec]
    contagion: ContagionSpec | None = None
    loss: LossSpec | None = None
    """Friction costs: with them, calibrated checks take the step of lowest expected cost."""


Predicate = Callable[[Mapping[str, object], ListLookup, datetime], bool]
_NO_LISTS = EmptyLists()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Check:
    """A compiled check: a structured condition, or a rules-DSL expression once bound."""

    spec: CheckSpec
    features: tuple[str, ...]
    predicate: Predicate | None = None
    steps: tuple[Step, ...] = ()
    """The check's ladder, lightest first, ending as written (:func:`loss.ladder`)."""

    def applies_to(self, event_type: str) -> bool:
        """Whether this check looks at events of ``event_type``."""
        return self.spec.events is None or event_type in self.spec.events

    def matches(
        self, values: Mapping[str, object], lists: ListLookup = _NO_LISTS, now: datetime = _EPOCH
    ) -> bool:
        """True when the condition holds on ``values`` (lists and time for DSL functions)."""
        if self.predicate is not None:
            return self.predicate(values, lists, now)
        cond = self.spec.when
        if isinstance(cond, str):
            raise InvalidPolicy(f"check {self.spec.id}: bind the policy to a feature schema first")
        if not all(_holds(c, values) for c in cond.all):
            return False
        return not cond.any or any(_holds(c, values) for c in cond.any)


def _holds(c: Comparison, values: Mapping[str, object]) -> bool:
    got = values.get(c.feature)
    if not isinstance(got, int | float) or math.isnan(got):
        return False
    return _OPS[c.op](float(got), c.value)


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Outcome, reasons and requested actions of the checks that fired."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    actions: tuple[tuple[ActionSpec, str], ...]
    fired: tuple[str, ...]
    read: tuple[tuple[str, ...], ...] = ()
    """The features each fired check read."""
    steps: tuple[str, ...] = ()
    """The step each fired check took (``as written`` unless expected loss chose a lighter
    one)."""


class Policy:
    """A validated, versioned set of checks."""

    def __init__(self, spec: PolicySpec, schema: Mapping[str, str] | None = None) -> None:
        self.spec = spec
        self.version = spec.version
        self.contagion = spec.contagion
        self.loss = spec.loss
        contagion = spec.contagion
        for a in (*contagion.actions, *contagion.reverse_actions) if contagion else ():
            _check_action("contagion", a)
        self.checks = tuple(_compile(c, schema) for c in spec.checks)
        ids = [c.spec.id for c in self.checks]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise InvalidPolicy(f"duplicate check ids: {', '.join(dup)}")
        self.features = tuple(sorted({f for c in self.checks for f in c.features}))

    def bind(self, schema: Mapping[str, str]) -> Policy:
        """This policy with every expression parsed and type-checked against ``schema``."""
        return Policy(self.spec, schema)

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
    def from_text(cls, text: str) -> Policy:
        """Load and validate a YAML policy document (a published version's text)."""
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise InvalidPolicy(f"policy: not valid YAML: {err}") from None
        return cls.from_mapping(raw)

    @classmethod
    def default(cls) -> Policy:
        """The policy shipped with Riskline."""
        return cls.from_file(DEFAULT_POLICY_PATH)

    def evaluate(
        self,
        event_type: str,
        values: Mapping[str, object],
        lists: ListLookup = _NO_LISTS,
        now: datetime = _EPOCH,
        waived: frozenset[Outcome] = frozenset(),
    ) -> PolicyResult:
        """Run every applicable check on ``values``; checks whose outcome is in ``waived`` (a
        challenge the user has passed) do not fire."""
        fired: list[tuple[Check, Step]] = []
        for c in self.checks:
            if not c.applies_to(event_type) or not c.matches(values, lists, now):
                continue
            step = choose(c.steps, c.spec.calibration, self.loss, values)
            if step.outcome not in waived:
                fired.append((c, step))
        reasons = tuple(
            Reason(c.spec.reason.code, c.spec.reason.text, _evidence(c, values, step))
            for c, step in fired
        )
        actions = tuple((a, c.spec.reason.code) for c, step in fired for a in step.actions)
        outcome = Outcome.worst(step.outcome for _, step in fired)
        return PolicyResult(
            outcome,
            reasons,
            actions,
            tuple(c.spec.id for c, _ in fired),
            tuple(c.features for c, _ in fired),
            tuple(step.name for _, step in fired),
        )


def _evidence(check: Check, values: Mapping[str, object], step: Step) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for f in check.features:
        v = values.get(f)
        if isinstance(v, int | float | str):
            out[f] = v
    cal = check.spec.calibration
    if cal is not None:  # why this step: the calibrated probability and the step's cost
        out["p_fraud"] = cal.p_fraud
        if cal.typologies:  # the likeliest scheme behind it, and its calibrated probability
            top = max(cal.typologies, key=lambda t: cal.typologies[t])
            out["typology"] = top
            out["p_typology"] = round(cal.p_fraud * cal.typologies[top], 4)
        out["step"] = step.name
        if not math.isnan(step.cost):
            out["expected_cost"] = round(step.cost, 2)
    return out


def _compile(spec: CheckSpec, schema: Mapping[str, str] | None) -> Check:
    if spec.events is not None:
        unknown = sorted(set(spec.events) - set(EVENT_TYPES))
        if unknown:
            raise InvalidPolicy(f"check {spec.id}: unknown event types {unknown}")
    for a in spec.actions:
        _check_action(spec.id, a)
    when = spec.when
    if isinstance(when, str):
        return _compile_expression(spec, when, schema)
    if not when.all and not when.any:
        raise InvalidPolicy(f"check {spec.id}: 'when' needs at least one comparison")
    feats = tuple(dict.fromkeys(c.feature for c in (*when.all, *when.any)))
    return Check(spec, feats, None, _ladder(spec))


def _compile_expression(spec: CheckSpec, source: str, schema: Mapping[str, str] | None) -> Check:
    if schema is None:
        return Check(spec, (), None, _ladder(spec))
    try:
        expr = compile_expression(source, schema, rule_id=spec.id, expect=Type.BOOL)
    except RuleError as err:
        raise InvalidPolicy(f"check {spec.id}: {err.message}") from None
    return Check(
        spec,
        expr.features,
        lambda values, lists, now: expr(values, lists, now) is True,
        _ladder(spec),
    )


def _ladder(spec: CheckSpec) -> tuple[Step, ...]:
    return ladder(
        spec.outcome, spec.actions, ActionSpec(kind="challenge"), ActionSpec(kind="open_review")
    )


def _check_action(check_id: str, a: ActionSpec) -> None:
    needs_product = {"freeze", "cut_limit", "close"}
    if a.kind in needs_product and a.product is None:
        raise InvalidPolicy(f"check {check_id}: action {a.kind} needs a product")
    if a.kind in ("freeze", "hold_settlement", "cap_acceptance") and a.days is None:
        raise InvalidPolicy(f"check {check_id}: action {a.kind} needs days (its expiry)")
    if a.kind == "cap_acceptance" and a.amount is None:
        raise InvalidPolicy(f"check {check_id}: action cap_acceptance needs an amount (the cap)")
    if a.kind == "cut_limit" and a.factor is None:
        raise InvalidPolicy(f"check {check_id}: action cut_limit needs a factor between 0 and 1")
