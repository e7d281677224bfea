"""A small simulated world shared by the Spark tests, with some events arriving late."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

from riskline.batch.jobs import world_events
from riskline.events.pii import PiiHasher
from riskline.events.types import Event
from riskline.sim import WorldConfig, simulate

SECRET = b"riskline-test-secret-0123456789ab"
_STEP_UP = timedelta(minutes=2)


@cache
def world() -> tuple[Event, ...]:
    """About 1,800 events of 200 persons; every 37th event arrives 30 places later (out of
    order) and every 301st 400 places later (beyond the 24 h lateness: a late event); every
    23rd payment is released again after a step-up (a derived id, 2 minutes later, ``step_up``
    set), as the writer does once a challenge passes."""
    with tempfile.TemporaryDirectory() as tmp:
        simulate(WorldConfig.small(persons=200, days=10, history_days=20), Path(tmp))
        events = list(world_events(Path(tmp), PiiHasher(SECRET)))
    payments = [i for i, e in enumerate(events) if e.type == "payment"][::23]
    for i in reversed(payments):
        e = events[i]
        again = dataclasses.replace(
            e, event_id=f"{e.event_id}:su", occurred_at=e.occurred_at + _STEP_UP, step_up="ch"
        )
        events.insert(i + 1, again)
    for step, delay in ((37, 30), (301, 400)):
        for i in range(len(events) - delay - 1, 0, -step):
            events.insert(i + delay, events.pop(i))
    return tuple(events)
