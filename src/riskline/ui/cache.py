"""A small time-to-live cache for figures that are costly to compute and fine a little stale.

>>> t = [0.0]
>>> cache = TtlCache(30.0, clock=lambda: t[0])
>>> calls = []
>>> cache.get("k", lambda: calls.append(1) or len(calls)), cache.get("k", lambda: 99)
(1, 1)
>>> t[0] = 31.0
>>> cache.get("k", lambda: 2)
2
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["TtlCache"]

T = TypeVar("T")


class TtlCache:
    """Values by key, recomputed once older than ``ttl`` seconds (``ttl`` 0: never kept)."""

    def __init__(
        self, ttl: float, clock: Callable[[], float] = time.monotonic, max_items: int = 256
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_items = max_items
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``compute()`` stored for the next ``ttl`` seconds."""
        now = self.clock()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            value: T = hit[1]
            return value
        fresh = compute()
        if self.ttl > 0:
            with self._lock:
                if len(self._items) >= self.max_items:
                    self._items.clear()
                self._items[key] = (now, fresh)
        return fresh
