"""Step-up fixtures: a runtime on the real engine and features, with one challenged drawdown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.decisioning import Decision, Outcome
from riskline.events import parse_event
from riskline.runtime import Runtime, build_runtime
from tests.factories import T0, wire

NOW = T0 + timedelta(hours=7)
Event_ = dict[str, Any]


def takeover_events(account: str = "a1", person: str = "p1", at: datetime = T0) -> list[Event_]:
    """An account with a cash line, three new devices in a day, then a drawdown from a fifth:
    the default policy's ``takeover_drawdown`` check challenges it (event ``<account>-draw``)."""
    a, h = account, timedelta(hours=1)
    return [
        wire(
            "account_opened",
            event_id=f"{a}-open",
            at=at,
            account_id=a,
            person_id=person,
            device_id=f"{a}-d1",
        ),
        wire("loan_application", event_id=f"{a}-app", at=at + h, account_id=a, amount="5000.00"),
        *[
            wire(
                "login",
                event_id=f"{a}-login{i}",
                at=at + (1 + i) * h,
                account_id=a,
                device_id=f"{a}-d{i}",
            )
            for i in (2, 3, 4)
        ],
        wire(
            "loan_drawdown",
            event_id=f"{a}-draw",
            at=at + 6 * h,
            account_id=a,
            device_id=f"{a}-d5",
            amount="1000.00",
        ),
    ]


@pytest.fixture
def step_clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def runtime(settings: Settings, step_clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=step_clock)
    yield rt
    rt.close()


@pytest.fixture
def challenged(runtime: Runtime) -> Decision:
    """The engine's decision on the drawdown: outcome challenge, cash line frozen."""
    events = [parse_event(e, runtime.hasher) for e in takeover_events()]
    decision = runtime.ingestor.process(events).decisions[-1]
    assert decision.outcome is Outcome.CHALLENGE
    return decision
