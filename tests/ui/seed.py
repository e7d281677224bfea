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
    """Two people: p1 (account a1) later spends almost all of its revolving line in one round
    amount at two in the morning, which the default policy reviews as a cash-out pattern
    (``maxout_round_night``: review, both lines frozen); p2 (account a2) only pays."""
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
    # 4,800 of the 4,879.50 still available on a1's 5,000 line, at 02:00
    night = t.replace(hour=2) + timedelta(days=41)
    events.append(wire("payment", at=night, event_id="s-night-a1", amount="4800.00"))
    return events


def farm_events() -> list[dict[str, Any]]:
    """Six accounts of six people opened on one device within hours, the later ones asking for
    a cash loan right away: an account farm ring (with the real feature engine, those
    applications are reviewed as a device farm; the checks look where credit is asked for)."""
    events: list[dict[str, Any]] = []
    for i in range(6):
        opened = T0 + timedelta(days=30, hours=i)
        events.append(
            wire(
                "account_opened",
                at=opened,
                event_id=f"s-farm-{i}",
                account_id=f"fa{i}",
                person_id=f"fp{i}",
                device_id="dfarm",
                phone=f"+86 138 0000 00{i:02d}",
                id_number=f"1101051990010100{i:02d}",
                ip=f"10.1.0.{i}",
            )
        )
        if i >= 3:
            events.append(
                wire(
                    "loan_application",
                    at=opened + timedelta(minutes=10),
                    event_id=f"s-farm-loan-{i}",
                    account_id=f"fa{i}",
                    device_id="dfarm",
                )
            )
    return events


def seed(runtime: Runtime, farm: bool = False) -> list[str]:
    """Decide the seed events (and the farm's); returns their decisions' outcomes in order."""
    wires = seed_events() + (farm_events() if farm else [])
    wires.sort(key=lambda w: str(w["occurred_at"]))
    events = [parse_event(w, runtime.hasher) for w in wires]
    outcomes = [d.outcome.value for d in runtime.ingestor.process(events).decisions]
    settle(runtime)
    return outcomes


def settle(runtime: Runtime) -> None:
    """Wait until the writer has run its after-commit projections (cases, notices): a call
    queued behind the batch runs after the hooks of every group committed before it."""
    runtime.ingestor.call(lambda: None).result()
