"""A small world decided by the real engine, with one review case (for console tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from riskline.events import parse_event
from riskline.runtime import Runtime
from tests.factories import T0, wire

PASSWORD = "correct horse battery staple"
USERS = {"alice": "analyst", "bob": "analyst", "sam": "supervisor", "ada": "admin"}


def seed_events() -> list[dict[str, Any]]:
    """Two people: p1 (account a1) falls 45 days overdue, which the default policy reviews;
    p2 (account a2) only pays."""
    t = T0
    events = [
        wire("account_opened", at=t, event_id="s-open-a1"),
        wire(
            "account_opened",
            at=t + timedelta(minutes=1),
            event_id="s-open-a2",
            account_id="a2",
            person_id="p2",
            phone="+86 139 0000 0002",
            id_number="110105199001010022",
            device_id="d2",
            ip="10.0.0.2",
        ),
    ]
    for i in range(6):
        events.append(
            wire(
                "payment",
                at=t + timedelta(days=1, hours=i),
                event_id=f"s-pay-a2-{i}",
                account_id="a2",
                device_id="d2",
                amount=f"{40 + 15 * i}.00",
            )
        )
    events.append(wire("payment", at=t + timedelta(days=2), event_id="s-pay-a1"))
    events.append(
        wire(
            "bill_overdue",
            at=t + timedelta(days=40),
            event_id="s-overdue-a1",
            days_overdue=45,
            due_date="2026-02-25",
        )
    )
    return events


def seed(runtime: Runtime) -> list[str]:
    """Decide the seed events; returns their decisions' outcomes in order."""
    events = [parse_event(w, runtime.hasher) for w in seed_events()]
    return [d.outcome.value for d in runtime.ingestor.process(events).decisions]
