"""Decisions by expected loss: a calibrated check takes the lightest step whose expected cost
is lowest; weak evidence asks for a challenge or a case before it freezes a line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from riskline.credit import LineStatus
from riskline.decisioning import ActionKind, Outcome
from riskline.decisioning.loss import Calibration, LossSpec, choose, exposure, ladder
from riskline.decisioning.policy import ActionSpec, Policy
from riskline.errors import InvalidPolicy
from riskline.events import Event, PiiHasher, parse_event
from tests.conftest import ScriptedFeatures
from tests.decisioning.conftest import EngineFactory
from tests.factories import T0, wire

FREEZE = ActionSpec(kind="freeze", product="revolving", days=30)
REVIEW = ActionSpec(kind="open_review")
CHALLENGE = ActionSpec(kind="challenge")
BIG_LINE = {"event.amount": 200.0, "line.available": 8000.0}


def _cal(p: float, impostors: float = 0.0) -> Calibration:
    return Calibration(p_fraud=p, impostor_share=impostors, persons=100, fraud_persons=int(p * 100))


def _steps(outcome: Outcome, *actions: ActionSpec) -> Any:
    return ladder(outcome, actions, CHALLENGE, REVIEW)


def test_the_ladder_goes_from_a_challenge_to_the_check_as_written() -> None:
    assert [s.name for s in _steps(Outcome.REVIEW, FREEZE, REVIEW)] == [
        "challenge",
        "without line actions",
        "as written",
    ]
    no_line = _steps(Outcome.DECLINE, ActionSpec(kind="decline_application"))
    assert [s.name for s in no_line] == ["challenge", "as written"]
    assert [s.name for s in _steps(Outcome.CHALLENGE, CHALLENGE, FREEZE)] == ["as written"]
    hold = ActionSpec(kind="hold_settlement", days=7)
    assert [s.name for s in _steps(Outcome.REVIEW, hold, REVIEW)] == ["as written"]
    middle = _steps(Outcome.REVIEW, FREEZE)[1]  # a case is opened where the freeze was
    assert [a.kind for a in middle.actions] == ["open_review"]
    assert middle.outcome is Outcome.REVIEW


@pytest.mark.parametrize(
    ("p", "impostors", "values", "step"),
    [
        (0.95, 0.0, BIG_LINE, "as written"),  # strong evidence on a big line: freeze now
        (0.2, 0.0, BIG_LINE, "without line actions"),  # weak: a case, the line stays usable
        (0.01, 0.0, {"event.amount": 50.0, "line.available": 300.0}, "challenge"),
        (0.6, 1.0, BIG_LINE, "challenge"),  # impostors fail the step-up: it stops them all
        (0.95, 0.0, {"event.amount": 20.0, "line.available": 20.0}, "without line actions"),
    ],
)
def test_the_step_of_lowest_expected_cost_is_taken(
    p: float, impostors: float, values: dict[str, float], step: str
) -> None:
    steps = _steps(Outcome.REVIEW, FREEZE, REVIEW)
    assert choose(steps, _cal(p, impostors), LossSpec(), values).name == step


def test_the_cost_is_the_weighed_sum_it_claims() -> None:
    loss = LossSpec()
    chosen = choose(_steps(Outcome.REVIEW, FREEZE, REVIEW), _cal(0.2), loss, BIG_LINE)
    # review without freeze: 0.8 x friction(review) + 0.2 x (the rest of the line unprotected
    # by the case)
    later = (8000.0 - 200.0) * (1 - loss.review_protects)
    assert chosen.cost == pytest.approx(0.8 * loss.friction.review + 0.2 * later)


def test_without_calibration_or_costs_a_check_acts_as_written() -> None:
    steps = _steps(Outcome.REVIEW, FREEZE, REVIEW)
    assert choose(steps, None, LossSpec(), BIG_LINE).name == "as written"
    assert choose(steps, _cal(0.01), None, BIG_LINE).name == "as written"


def test_exposure_without_a_line_is_the_policys_stand_in() -> None:
    loss = LossSpec(unknown_exposure=1234.0)
    assert exposure({"event.amount": 10.0}, loss) == (10.0, 1234.0)
    assert exposure({"event.amount": 10.0, "line.available": 5.0}, loss) == (10.0, 0.0)
    assert exposure({"event.amount": float("nan"), "line.available": 100.0}, loss) == (0.0, 100.0)


POLICY: dict[str, Any] = {
    "version": "loss-test",
    "loss": {"friction": {"freeze": 2000}},
    "checks": [
        {
            "id": "shared_device",
            "outcome": "review",
            "when": {"all": [{"feature": "device.accounts_30d", "op": ">=", "value": 3}]},
            "reason": {"code": "DEVICE_SHARED", "text": "Shared device."},
            "actions": [
                {"kind": "freeze", "product": "revolving", "days": 30},
                {"kind": "open_review"},
            ],
            "calibration": {
                "p_fraud": 0.2,
                "persons": 40,
                "fraud_persons": 8,
                "typologies": {"farm": 0.75, "bustout": 0.25},
            },
        }
    ],
}


def _policy(**check: Any) -> Policy:
    doc = {**POLICY, "checks": [{**POLICY["checks"][0], **check}]}
    return Policy.from_mapping(doc)


def test_weak_evidence_opens_a_case_and_leaves_the_line_usable() -> None:
    result = _policy().evaluate("payment", {"device.accounts_30d": 4.0, **BIG_LINE})
    assert result.outcome is Outcome.REVIEW
    assert [a.kind for a, _ in result.actions] == ["open_review"]
    assert result.steps == ("without line actions",)
    evidence = result.reasons[0].evidence
    assert evidence["p_fraud"] == 0.2
    assert evidence["step"] == "without line actions"
    assert evidence["expected_cost"] == pytest.approx(0.8 * 50 + 0.2 * 7800 * 0.5)
    assert (evidence["typology"], evidence["p_typology"]) == ("farm", pytest.approx(0.15))


def test_strong_evidence_freezes_as_written() -> None:
    strong = {"p_fraud": 0.9, "persons": 40, "fraud_persons": 36}
    result = _policy(calibration=strong).evaluate(
        "payment", {"device.accounts_30d": 4.0, **BIG_LINE}
    )
    assert [a.kind for a, _ in result.actions] == ["freeze", "open_review"]
    assert result.steps == ("as written",)


def test_a_passed_challenge_is_not_asked_again() -> None:
    """A check that chose a challenge does not fire on the event re-submitted after the
    step-up was passed; one that chose a case still does."""
    weak = {"p_fraud": 0.02, "persons": 100, "fraud_persons": 2}
    small = {"device.accounts_30d": 4.0, "event.amount": 30.0, "line.available": 200.0}
    policy = _policy(calibration=weak)
    assert policy.evaluate("payment", small).outcome is Outcome.CHALLENGE
    again = policy.evaluate("payment", small, waived=frozenset({Outcome.CHALLENGE}))
    assert again.fired == ()
    held = _policy().evaluate(
        "payment", {"device.accounts_30d": 4.0, **BIG_LINE}, waived=frozenset({Outcome.CHALLENGE})
    )
    assert held.outcome is Outcome.REVIEW


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"loss": {"friction": {"freeze": -1}}}, "loss.friction.freeze"),
        ({"loss": {"review_protects": 1.5}}, "loss.review_protects"),
        ({"loss": {"frictions": {}}}, "loss.frictions"),
    ],
)
def test_bad_costs_are_refused_with_where(patch: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidPolicy, match=where.replace(".", r"\.")):
        Policy.from_mapping({**POLICY, **patch})


def test_a_probability_outside_zero_and_one_is_refused() -> None:
    bad = {"p_fraud": 1.2, "persons": 1, "fraud_persons": 1}
    with pytest.raises(InvalidPolicy, match=r"checks\.0\.calibration\.p_fraud"):
        _policy(calibration=bad)


def _farm_policy(p: float) -> dict[str, Any]:
    check = {
        "id": "device_farm",
        "events": ["payment"],
        "when": "device.accounts_30d >= 4",
        "outcome": "review",
        "reason": {"code": "DEVICE_SHARED", "text": "This device is linked to many accounts."},
        "actions": [{"kind": "freeze", "product": "revolving", "days": 30}],
        "calibration": {"p_fraud": p, "persons": 100, "fraud_persons": round(100 * p)},
    }
    return {"version": f"loss-{p}", "loss": {}, "checks": [check]}


@pytest.mark.parametrize(("p", "frozen"), [(0.05, False), (0.97, True)])
def test_the_engine_freezes_the_line_only_on_strong_evidence(
    sql_engine: EngineFactory, hasher: PiiHasher, p: float, frozen: bool
) -> None:
    features = ScriptedFeatures()
    engine = sql_engine(_farm_policy(p), features)
    engine.process(parse_event(wire("account_opened", at=T0), hasher))
    shared: Event = parse_event(
        wire("payment", amount="100.00", at=T0 + timedelta(hours=1)), hasher
    )
    features.values[shared.event_id] = {"device.accounts_30d": 5.0}
    decided = engine.process(shared)
    assert decided.outcome is Outcome.REVIEW  # the payment is held either way
    kinds = {a.kind for a in decided.actions}
    assert (ActionKind.FREEZE in kinds) is frozen
    # the check as written opens no case; the step without its freeze adds one, so the held
    # payment and the usable line are looked at
    assert (ActionKind.OPEN_REVIEW in kinds) is not frozen
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    assert (line.status is LineStatus.FROZEN) is frozen
    later = engine.process(
        parse_event(wire("payment", amount="10.00", at=T0 + timedelta(hours=2)), hasher)
    )
    assert (later.outcome is Outcome.DECLINE) is frozen


def test_passive_codes_are_those_that_never_change_an_outcome(sql_engine: EngineFactory) -> None:
    doc = {
        "version": "passive",
        "checks": [
            {
                "id": "hold_shop",
                "when": "merchant.credit_share_30d >= 0.9",
                "outcome": "approve",
                "reason": {"code": "SHOP_HELD", "text": "Held."},
                "actions": [{"kind": "hold_settlement", "days": 7}],
            },
            {
                "id": "also_shop",
                "when": "merchant.credit_share_30d >= 0.99",
                "outcome": "approve",
                "reason": {"code": "SHARED", "text": "Same code, another check."},
            },
            {
                "id": "decline_shop",
                "when": "merchant.credit_share_30d >= 0.999",
                "outcome": "decline",
                "reason": {"code": "SHARED", "text": "Declines."},
            },
        ],
    }
    engine = sql_engine(doc, ScriptedFeatures())
    assert engine.passive_codes() == frozenset({"SHOP_HELD"})
