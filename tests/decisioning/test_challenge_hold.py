"""Credit asked for on a line held by an unanswered step-up is challenged again, not declined;
a line frozen for longer than the challenge's own hold is declined as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from riskline.credit import LineStatus
from riskline.decisioning import Engine, Outcome
from riskline.events import Event, PiiHasher, parse_event
from tests.conftest import ScriptedFeatures
from tests.decisioning.conftest import EngineFactory
from tests.factories import T0, wire

NEW_DEVICE = {"account_device.age_hours": 5.0}
SHARED = {"device.accounts_30d": 5.0}
POLICY = {
    "version": "test-hold",
    "checks": [
        {
            "id": "new_device_spend",
            "events": ["payment"],
            "when": "account_device.age_hours < 168",
            "outcome": "challenge",
            "reason": {"code": "NEW_DEVICE_DRAWDOWN", "text": "Please confirm it is you."},
            "actions": [
                {"kind": "challenge"},
                {"kind": "freeze", "product": "revolving", "days": 3, "review_days": 1},
            ],
        },
        {
            "id": "device_farm",
            "events": ["payment"],
            "when": "device.accounts_30d >= 4",
            "outcome": "review",
            "reason": {"code": "DEVICE_SHARED", "text": "This device is linked to many accounts."},
            "actions": [{"kind": "freeze", "product": "revolving", "days": 30}],
        },
    ],
}


@pytest.fixture
def features() -> ScriptedFeatures:
    return ScriptedFeatures()


@pytest.fixture
def engine(sql_engine: EngineFactory, features: ScriptedFeatures) -> Engine:
    return sql_engine(POLICY, features)


def opened(engine: Engine, hasher: PiiHasher) -> None:
    engine.process(parse_event(wire("account_opened", at=T0), hasher))


def pay(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher, hours: float, **values: float
) -> Any:
    event: Event = parse_event(
        wire("payment", amount="10.00", at=T0 + timedelta(hours=hours)), hasher
    )
    features.values[event.event_id] = dict(values)
    return engine.process(event)


def test_a_second_try_on_a_held_line_is_asked_again(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    opened(engine, hasher)
    first = pay(engine, features, hasher, 1, **NEW_DEVICE)
    assert first.outcome is Outcome.CHALLENGE
    again = pay(engine, features, hasher, 2, **NEW_DEVICE)
    assert again.outcome is Outcome.CHALLENGE
    assert again.reason_codes == ("NEW_DEVICE_DRAWDOWN", "LINE_NOT_USABLE")
    # the second challenge holds the line itself, so passing it releases the whole hold
    (line,) = engine.store.lines_for(["a1"])  # type: ignore[attr-defined]
    history = engine.store.line_history(line.line_id)  # type: ignore[attr-defined]
    assert line.status is LineStatus.FROZEN and history[-1].decision_id == again.decision_id
    # nothing asks to verify this one: the held line declines it
    plain = pay(engine, features, hasher, 3)
    assert plain.outcome is Outcome.DECLINE and plain.reason_codes == ("LINE_NOT_USABLE",)


def test_a_line_frozen_for_longer_than_the_hold_is_declined(
    engine: Engine, features: ScriptedFeatures, hasher: PiiHasher
) -> None:
    opened(engine, hasher)
    frozen = pay(engine, features, hasher, 1, **SHARED)
    assert frozen.outcome is Outcome.REVIEW
    later = pay(engine, features, hasher, 2, **NEW_DEVICE)
    assert later.outcome is Outcome.DECLINE
    assert "LINE_NOT_USABLE" in later.reason_codes
