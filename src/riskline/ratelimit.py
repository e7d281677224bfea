"""Token buckets per key: the one rate-limiting mechanism (API keys, consortium members).

>>> buckets = TokenBuckets(rate=2.0, capacity=2.0)
>>> buckets.take("k", 1, now=0.0), buckets.take("k", 1, now=0.0)
(None, None)
>>> buckets.take("k", 1, now=0.0)
0.5
>>> buckets.take("k", 1, now=0.5) is None
True
>>> buckets.peek("k", 1, now=0.5), buckets.peek("other", 1, now=0.5)
(0.5, None)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["TokenBuckets"]


@dataclass(slots=True)
class _Bucket:
    level: float
    at: float


class TokenBuckets:
    """``capacity`` tokens per key, refilled at ``rate`` per second; thread-safe.

    ``max_keys`` bounds memory: past it, every bucket starts full again (a rare reset that
    favours callers over the limiter's memory).
    """

    def __init__(self, rate: float, capacity: float, max_keys: int | None = None) -> None:
        self.rate = rate
        self.capacity = capacity
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, amount: float, now: float) -> float | None:
        """Take ``amount`` tokens: None when taken, else seconds until they would be there."""
        with self._lock:
            b = self._refilled(key, now)
            if b.level >= amount:
                b.level -= amount
                return None
            return self._wait(b, amount)

    def peek(self, key: str, amount: float, now: float) -> float | None:
        """Like :meth:`take` but takes nothing: None when ``amount`` tokens are there."""
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                return None if amount <= self.capacity else self._wait(_Bucket(0.0, now), amount)
            level = min(self.capacity, b.level + max(0.0, now - b.at) * self.rate)
            return None if level >= amount else self._wait(_Bucket(level, now), amount)

    def _refilled(self, key: str, now: float) -> _Bucket:
        b = self._buckets.get(key)
        if b is None:
            if self.max_keys is not None and len(self._buckets) >= self.max_keys:
                self._buckets.clear()
            b = self._buckets[key] = _Bucket(self.capacity, now)
        b.level = min(self.capacity, b.level + max(0.0, now - b.at) * self.rate)
        b.at = now
        return b

    def _wait(self, b: _Bucket, amount: float) -> float:
        return (amount - b.level) / self.rate if self.rate > 0 else float("inf")

    def refund(self, key: str, amount: float) -> None:
        """Give back tokens taken for something that was then refused elsewhere."""
        with self._lock:
            b = self._buckets.get(key)
            if b is not None:
                b.level = min(self.capacity, b.level + amount)
