"""Shared pieces of the case and notice tests: a live runtime, event builders, waiting."""

from __future__ import annotations

from typing import Any

from riskline.decisioning import Decision
from riskline.events import PiiHasher, parse_event
from riskline.runtime import Runtime
from tests.factories import wire


def settle(rt: Runtime) -> None:
    """Run the projections on the writer thread and wait (the writer also runs them by itself
    after each commit, but only after answering the caller)."""
    rt.ingestor.call(lambda: [f.catch_up() for f in rt.followers]).result()


def decide(rt: Runtime, *bodies: dict[str, Any]) -> list[Decision]:
    """Decide wire events through the live writer and wait for the projections."""
    hasher = PiiHasher(rt.settings.pii_key)
    result = rt.ingestor.process([parse_event(b, hasher) for b in bodies])
    settle(rt)
    return list(result.decisions)


def farm(n: int = 6, device: str = "dX", prefix: str = "f") -> list[dict[str, Any]]:
    """``n`` people opening accounts on one device; from the fourth on, each asks for a cash
    loan right after opening: those applications are reviewed as a farm (the device-farm
    checks look at credit applications, not at openings). Their phone numbers are 100 apart,
    in different blocks: the number-block checks have tests of their own."""
    events: list[dict[str, Any]] = []
    for i in range(n):
        account = f"{prefix}a{i}"
        events.append(
            wire(
                "account_opened",
                account_id=account,
                person_id=f"{prefix}p{i}",
                device_id=device,
                phone=f"+86 139 {ord(prefix[0]):04d} {1000 + 100 * i}",
                id_number=f"110105198{ord(prefix[0]):03d}01{1000 + i}",
            )
        )
        if i >= 3:
            events.append(wire("loan_application", account_id=account, device_id=device))
    return events
