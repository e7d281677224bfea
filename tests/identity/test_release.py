"""Releasing a passed challenge's held drawdown through the real engine and writer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from decimal import Decimal
from typing import Any

from riskline.credit import Actor, Freeze, LineStatus, apply
from riskline.decisioning import BatchResult, Decision
from riskline.events import Event
from riskline.events.codec import canonical_json
from riskline.identity import (
    Challenge,
    ChallengeFollower,
    ChallengeStatus,
    EngineRelease,
    SqlChallengeStore,
)
from riskline.identity.release import lift_challenge_freeze, release_event_id, released_event
from riskline.runtime import Runtime
from tests.identity.conftest import NOW


def _passed(rt: Runtime, decision: Decision) -> Challenge:
    store = SqlChallengeStore(rt.db)
    ChallengeFollower(store).catch_up()
    found = store.by_decision(decision.decision_id)
    return dataclasses.replace(found, status=ChallengeStatus.PASSED, passed=found.required)


def _cash_line(rt: Runtime) -> Any:
    return next(ln for ln in rt.store.lines_for(["a1"]) if ln.product.value == "cash_loan")


def test_lifts_only_the_challenges_own_freeze(runtime: Runtime, challenged: Decision) -> None:
    challenge = _passed(runtime, challenged)
    assert _cash_line(runtime).status is LineStatus.FROZEN
    lifted = lift_challenge_freeze(runtime.store, challenge, NOW)
    line = _cash_line(runtime)
    assert lifted == [line.line_id] and line.status is LineStatus.ACTIVE
    last = runtime.store.line_history(line.line_id)[-1]
    assert (last.action, str(last.actor), last.reasons) == (
        "reinstate",
        f"stepup:{challenge.challenge_id}",
        ("STEP_UP_PASSED",),
    )
    assert lift_challenge_freeze(runtime.store, challenge, NOW) == []


def test_a_later_freeze_by_someone_else_stays(runtime: Runtime, challenged: Decision) -> None:
    challenge = _passed(runtime, challenged)
    line = _cash_line(runtime)
    new, change = apply(line, Freeze(30), Actor("analyst", "k1"), ("FRAUD",), None, NOW)
    runtime.store.apply_change(line, new, change)
    assert lift_challenge_freeze(runtime.store, challenge, NOW) == []
    assert _cash_line(runtime).status is LineStatus.FROZEN


class FakeWriter:
    """Runs calls inline and records what would be submitted."""

    def __init__(self) -> None:
        self.submitted: list[Event] = []

    def call(self, fn: Callable[[], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_result(fn())
        return fut

    def process(self, events: Sequence[Event]) -> BatchResult:
        self.submitted.extend(events)
        raise AssertionError("nothing should be submitted")


def test_nothing_is_submitted_for_an_event_that_holds_no_action(
    runtime: Runtime, challenged: Decision
) -> None:
    challenge = dataclasses.replace(_passed(runtime, challenged), event_id="a1-login2")
    writer = FakeWriter()
    release = EngineRelease(
        writer, runtime.store, SqlChallengeStore(runtime.db), runtime.engine.clock
    )
    got = release.release(challenge)
    assert (got.event_id, got.outcome) == (None, "none") and writer.submitted == []
    assert _cash_line(runtime).status is LineStatus.FROZEN


def test_derived_ids_fit_the_id_limit() -> None:
    assert release_event_id("e1") == "e1:stepup"
    long = release_event_id("x" * 125)
    assert len(long) <= 128 and long.startswith("stepup:")
    assert long != release_event_id("y" * 125)


def test_released_event_carries_the_marker_only_when_set(
    runtime: Runtime, challenged: Decision
) -> None:
    challenge = _passed(runtime, challenged)
    original = SqlChallengeStore(runtime.db).event("a1-draw")
    assert "step_up" not in canonical_json(original)
    again = released_event(original, challenge, NOW)
    assert again.event_id == "a1-draw:stepup" and again.occurred_at == NOW
    assert getattr(again, "step_up") == challenge.challenge_id  # noqa: B009
    assert challenge.challenge_id in canonical_json(again)


def test_release_draws_once_through_the_engine(runtime: Runtime, challenged: Decision) -> None:
    challenge = _passed(runtime, challenged)
    events = SqlChallengeStore(runtime.db)
    release = EngineRelease(runtime.ingestor, runtime.store, events, runtime.engine.clock)
    first = release.release(challenge)
    assert first.outcome == "approve" and first.event_id == "a1-draw:stepup"
    decision = runtime.store.get_decision(first.decision_id)
    assert "STEP_UP_PASSED" in decision.reason_codes
    assert "NEW_DEVICE_DRAWDOWN" not in decision.reason_codes
    line = _cash_line(runtime)
    assert line.status is LineStatus.ACTIVE and line.outstanding == Decimal("1000.00")
    assert release.release(challenge) == first  # a repeat is a replay: no second draw
    assert _cash_line(runtime).outstanding == Decimal("1000.00")


def test_release_is_read_by_the_features_not_counted_again(
    runtime: Runtime, challenged: Decision
) -> None:
    held = challenged.features  # what the decisions recorded
    assert held["account.drawdowns_7d"] == 1.0  # the held drawdown, counted on arrival
    release = EngineRelease(
        runtime.ingestor, runtime.store, SqlChallengeStore(runtime.db), runtime.engine.clock
    )
    released = runtime.store.get_decision(release.release(_passed(runtime, challenged)).decision_id)
    assert released.features["account.drawdowns_7d"] == 1.0
    for name in ("account.drawdown_amount_30d", "account.devices_1d", "device.accounts_30d"):
        assert released.features[name] == held[name], name


def test_release_still_meets_the_credit_gate(runtime: Runtime, challenged: Decision) -> None:
    challenge = _passed(runtime, challenged)
    line = _cash_line(runtime)
    new, change = apply(line, Freeze(30), Actor("analyst", "k1"), ("FRAUD",), None, NOW)
    runtime.store.apply_change(line, new, change)
    events = SqlChallengeStore(runtime.db)
    got = EngineRelease(runtime.ingestor, runtime.store, events, runtime.engine.clock).release(
        challenge
    )
    assert got.outcome == "decline"
    assert "LINE_NOT_USABLE" in runtime.store.get_decision(got.decision_id).reason_codes
    assert _cash_line(runtime).outstanding == Decimal(0)
