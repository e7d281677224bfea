"""Per-member limits against enumeration: batch size, request rate and an item budget.

Without limits a member could learn the whole list by querying every phone number. A batch
over ``max_batch`` is refused (413) before any work; each member has a token bucket of
requests (burst, then ``requests_per_minute``) and one of items (``items_per_day``), so the
number of identifiers any member can test per day is bounded whatever the batch sizes (429).

>>> lim = Limits(max_batch=10, requests_per_minute=60, burst=2, items_per_day=15)
>>> lim.admit("bank-a", 10, now=0.0)
>>> try:
...     lim.admit("bank-a", 10, now=0.5)
... except RateLimited as err:
...     print(err.status, err.message)
429 bank-a: daily identifier budget spent (15 per day); retry in 28800 s
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from riskline.errors import PayloadTooLarge, RateLimited

__all__ = ["Limits", "RateLimited"]


@dataclass(slots=True)
class _Bucket:
    level: float
    at: float


@dataclass(slots=True)
class Limits:
    """Limits applied to every member (the same for all; per-member overrides not needed yet)."""

    max_batch: int = 10_000
    requests_per_minute: float = 30.0
    burst: int = 10
    items_per_day: int = 200_000
    _requests: dict[str, _Bucket] = field(default_factory=dict)
    _items: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, member: str, batch: int, *, now: float) -> None:
        """Charge one request of ``batch`` identifiers to ``member`` or refuse it."""
        if batch < 1:
            raise PayloadTooLarge("an empty batch has nothing to query")
        if batch > self.max_batch:
            raise PayloadTooLarge(
                f"batch of {batch} identifiers exceeds the limit of {self.max_batch} per query"
            )
        with self._lock:
            req = _take(self._requests, member, 1, self.burst, self.requests_per_minute / 60, now)
            if req is not None:
                raise RateLimited(
                    f"{member}: more than {self.requests_per_minute:g} queries per minute; "
                    f"retry in {req:.0f} s",
                    retry_after=req,
                )
            rate = self.items_per_day / 86_400
            wait = _take(self._items, member, batch, self.items_per_day, rate, now)
            if wait is not None:
                _refund(self._requests, member)
                raise RateLimited(
                    f"{member}: daily identifier budget spent ({self.items_per_day} per day); "
                    f"retry in {wait:.0f} s",
                    retry_after=wait,
                )


def _take(
    buckets: dict[str, _Bucket], key: str, amount: float, cap: float, rate: float, now: float
) -> float | None:
    """Take ``amount`` from a token bucket; None when taken, else seconds until it would be."""
    b = buckets.setdefault(key, _Bucket(cap, now))
    b.level = min(cap, b.level + max(0.0, now - b.at) * rate)
    b.at = now
    if b.level >= amount:
        b.level -= amount
        return None
    return math.ceil((amount - b.level) / rate) if rate > 0 else math.inf


def _refund(buckets: dict[str, _Bucket], key: str) -> None:
    buckets[key].level += 1
