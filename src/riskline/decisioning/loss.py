"""Actions by expected loss: how far up its ladder a check that fired goes.

A check as written says the most it may do: its outcome and its actions (a freeze, a cut, a
case). When the policy has a ``loss`` section (friction costs) and the check a
``calibration`` (fitted by ``riskline tune`` on a labelled training world: how often the
persons it fires on are fraud, and how many of those are impostors), the engine weighs each
step of the check's ladder, lightest first:

1. **challenge** (step-up: the enrolled face): stops an impostor's money now and later, not an
   owner's (a cash-out buyer passes their own face check);
2. **without line actions**: the written outcome (review or decline) and a case, but the line
   left usable: stops this event's money and, with the share ``review_protects``, what the
   case catches before the rest of the line is drawn;
3. **as written**: with its freezes, cuts or closure, which stop the rest of the line too.

For a step with friction ``F`` (what it costs an honest customer, from the policy), the
probability ``p`` that the event is fraud, the money at stake now ``A`` (the event's amount)
and later ``V`` (the line's available credit beyond ``A``; ``unknown_exposure`` where the
event has no line, such as an opening)::

    expected cost = (1 - p) * F + p * (A * (1 - stops_now) + V * (1 - stops_later))

and the step with the lowest expected cost is taken (the lighter one on a tie). Weak evidence
thus asks for a challenge or a case before it freezes anything, and strong evidence on a
large line freezes at once. A check is never taken past what it says (only lighter steps are
weighed), and a check without calibration acts as written.

>>> from riskline.decisioning.policy import ActionSpec
>>> written = (ActionSpec(kind="freeze", product="revolving", days=30),
...            ActionSpec(kind="open_review"))
>>> steps = ladder(Outcome.REVIEW, written, ActionSpec(kind="challenge"),
...                ActionSpec(kind="open_review"))
>>> [s.name for s in steps]
['challenge', 'without line actions', 'as written']
>>> at = {"event.amount": 100.0, "line.available": 5000.0}
>>> choose(steps, Calibration(p_fraud=0.2, persons=50, fraud_persons=10), LossSpec(), at).name
'without line actions'
>>> choose(steps, Calibration(p_fraud=0.9, persons=50, fraud_persons=45), LossSpec(), at).name
'as written'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from riskline.decisioning.types import Outcome

__all__ = [
    "MERCHANT",
    "STOPPING",
    "Calibration",
    "Friction",
    "LossSpec",
    "Step",
    "choose",
    "exposure",
    "ladder",
]

STOPPING = frozenset({"freeze", "cut_limit", "close"})
"""Action kinds that stop the rest of a line."""
MERCHANT = frozenset({"hold_settlement", "cap_acceptance"})
"""Action kinds on the event's merchant: a check that takes them acts as written."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Cost = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Friction(_Strict):
    """What each outcome, and each line action on top of it, costs an honest customer, in
    the currency's units (a lost sale, a call to the hotline, a customer who leaves)."""

    challenge: Cost = 5.0
    review: Cost = 50.0
    decline: Cost = 60.0
    freeze: Cost = 2000.0
    cut_limit: Cost = 800.0
    close: Cost = 5000.0


class LossSpec(_Strict):
    """The policy's ``loss`` section: friction costs and what a case protects."""

    friction: Friction = Friction()
    review_protects: float = Field(default=0.5, ge=0, le=1)
    """Share of the rest of an owner's line a case protects without a freeze (what the
    analyst stops before it is drawn)."""
    unknown_exposure: Cost = 3000.0
    """Credit at stake later when the event has no line (an opening, a login, a transfer)."""


class Calibration(_Strict):
    """How a check did on a labelled training world (written by ``riskline tune``)."""

    p_fraud: float = Field(ge=0, le=1)
    """Probability that a person the check fires on is a fraud actor (a Beta(1, 1) prior
    updated with the counts below)."""
    impostor_share: float = Field(default=0.0, ge=0, le=1)
    """Share of those fraud actors who are impostors (cannot pass the owner's step-up)."""
    persons: int = Field(ge=0)
    fraud_persons: int = Field(ge=0)
    typologies: dict[str, float] = Field(default_factory=dict)
    """Share of the fraud actors it fires on, by typology."""
    fitted_on: Annotated[str, StringConstraints(max_length=500)] = ""


class _Action(Protocol):
    @property
    def kind(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of a check's ladder, and its expected cost on the event it was chosen for
    (NaN when chosen as written without calibration)."""

    name: str
    outcome: Outcome
    actions: tuple[Any, ...]
    cost: float = math.nan


def ladder(
    outcome: Outcome, actions: Sequence[_Action], challenge: _Action, review: _Action
) -> tuple[Step, ...]:
    """The steps of a check written with ``outcome`` and ``actions``, lightest first, ending
    with the check as written (``challenge`` and ``review`` are the actions of those steps)."""
    written = Step("as written", outcome, tuple(actions))
    if outcome.severity <= Outcome.CHALLENGE.severity:
        return (written,)  # a challenge (and its protective holds) is already the lightest
    if any(a.kind in MERCHANT for a in actions):
        return (written,)  # the evidence is about the merchant, not a customer's friction
    steps = [Step("challenge", Outcome.CHALLENGE, (challenge,))]
    if any(a.kind in STOPPING for a in actions):
        kept = tuple(a for a in actions if a.kind not in STOPPING)
        if not any(a.kind == "open_review" for a in kept):
            kept = (*kept, review)
        steps.append(Step("without line actions", outcome, kept))
    steps.append(written)
    return tuple(steps)


def _friction(step: Step, f: Friction) -> float:
    by_outcome = {
        Outcome.CHALLENGE: f.challenge,
        Outcome.REVIEW: f.review,
        Outcome.DECLINE: f.decline,
        Outcome.APPROVE: 0.0,
    }
    kinds = {a.kind for a in step.actions}
    extra = {"freeze": f.freeze, "cut_limit": f.cut_limit, "close": f.close}
    return by_outcome[step.outcome] + sum(v for k, v in extra.items() if k in kinds)


def _stops(step: Step, impostors: float, loss: LossSpec) -> tuple[float, float]:
    """Shares of fraud's money now and later the step stops."""
    if step.outcome is Outcome.CHALLENGE:
        return impostors, impostors
    if any(a.kind in STOPPING for a in step.actions):
        return 1.0, 1.0
    return 1.0, impostors + (1.0 - impostors) * loss.review_protects


def _number(values: Mapping[str, object], name: str) -> float | None:
    v = values.get(name)
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v):
        return None
    return float(v)


def exposure(values: Mapping[str, object], loss: LossSpec) -> tuple[float, float]:
    """Money at stake now (the event's amount) and later (the rest of the line's available
    credit; ``loss.unknown_exposure`` when the event has no line)."""
    now = max(_number(values, "event.amount") or 0.0, 0.0)
    available = _number(values, "line.available")
    later = loss.unknown_exposure if available is None else max(available - now, 0.0)
    return now, later


def choose(
    steps: Sequence[Step],
    calibration: Calibration | None,
    loss: LossSpec | None,
    values: Mapping[str, object],
) -> Step:
    """The step with the lowest expected cost on the event of ``values`` (the last, as
    written, without calibration or loss section)."""
    if calibration is None or loss is None or len(steps) == 1:
        return steps[-1]
    p, impostors = calibration.p_fraud, calibration.impostor_share
    now, later = exposure(values, loss)
    best: Step | None = None
    for step in steps:
        stop_now, stop_later = _stops(step, impostors, loss)
        cost = (1.0 - p) * _friction(step, loss.friction) + p * (
            now * (1.0 - stop_now) + later * (1.0 - stop_later)
        )
        if best is None or cost < best.cost - 1e-9:
            best = Step(step.name, step.outcome, step.actions, cost)
    assert best is not None
    return best
