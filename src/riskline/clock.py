"""Clocks, injected wherever time matters so decisions are reproducible.

>>> from datetime import datetime, timezone
>>> c = FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
>>> c.now().year
2026
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        """Current UTC time."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        """The fixed time."""
        return self.at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.at += delta
