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
from dataclasses import dataclass, field

from riskline.errors import PayloadTooLarge, RateLimited
from riskline.ratelimit import TokenBuckets

__all__ = ["Limits", "RateLimited"]


@dataclass(slots=True)
class Limits:
    """Limits applied to every member (the same for all; per-member overrides not needed yet)."""

    max_batch: int = 10_000
    requests_per_minute: float = 30.0
    burst: int = 10
    items_per_day: int = 200_000
    _requests: TokenBuckets = field(init=False)
    _items: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        self._requests = TokenBuckets(self.requests_per_minute / 60, float(self.burst))
        self._items = TokenBuckets(self.items_per_day / 86_400, float(self.items_per_day))

    def admit(self, member: str, batch: int, *, now: float) -> None:
        """Charge one request of ``batch`` identifiers to ``member`` or refuse it."""
        if batch < 1:
            raise PayloadTooLarge("an empty batch has nothing to query")
        if batch > self.max_batch:
            raise PayloadTooLarge(
                f"batch of {batch} identifiers exceeds the limit of {self.max_batch} per query"
            )
        req = self._requests.take(member, 1, now)
        if req is not None:
            req = _whole_seconds(req)
            raise RateLimited(
                f"{member}: more than {self.requests_per_minute:g} queries per minute; "
                f"retry in {req:.0f} s",
                retry_after=req,
            )
        wait = self._items.take(member, batch, now)
        if wait is not None:
            self._requests.refund(member, 1)
            wait = _whole_seconds(wait)
            raise RateLimited(
                f"{member}: daily identifier budget spent ({self.items_per_day} per day); "
                f"retry in {wait:.0f} s",
                retry_after=wait,
            )


def _whole_seconds(wait: float) -> float:
    return math.ceil(wait) if math.isfinite(wait) else wait
