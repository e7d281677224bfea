"""The lateness policy through the whole engine with the real feature catalog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.events import parse_event
from riskline.runtime import Runtime, build_runtime
from tests.factories import T0, wire


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock)
    yield rt
    rt.close()


def _pay(rt: Runtime, at_hours: float, n: int) -> float:
    event = parse_event(
        wire("payment", event_id=f"pay-{n}", amount="10.00", at=T0 + timedelta(hours=at_hours)),
        rt.hasher,
    )
    return rt.engine.process(event).features["account.payments_30d"]


def test_out_of_order_within_lateness_counts_and_too_late_does_not(runtime: Runtime) -> None:
    runtime.engine.process(parse_event(wire("account_opened", at=T0), runtime.hasher))
    assert _pay(runtime, 48, 1) == 1
    assert _pay(runtime, 30, 2) == 1  # read as of 30 h: the 48 h payment is in its future
    assert _pay(runtime, 49, 3) == 3  # the 18 h late payment was within the 24 h allowance
    assert _pay(runtime, 80, 4) == 4
    _pay(runtime, 40, 5)  # 40 h behind the newest event: too late for windows
    assert runtime.store.count_events() == 6  # ... but stored and decided
    assert _pay(runtime, 81, 6) == 5  # not counted


def test_state_is_rebuilt_identically_from_the_ledger(runtime: Runtime) -> None:
    runtime.engine.process(parse_event(wire("account_opened", at=T0), runtime.hasher))
    for i, h in enumerate((5, 3, 50, 20, 51)):
        _pay(runtime, h, i)
    before = _pay(runtime, 52, 99)
    runtime.engine.rebuild()
    assert _pay(runtime, 52.5, 100) == before + 1
