"""Console sign-in throttle: failed sign-ins per client address and per user name.

Every sign-in costs a scrypt hash (for unknown names too, so timing does not tell which names
exist). Without a bound, a flood of sign-ins with random names would keep the CPU hashing. An
address or a name that has spent its failures is refused with 429 *before* any hashing:
``address_burst`` failures per address (then ``address_rate`` per second) and ``name_burst``
per user name (then ``name_rate`` per second), counted in memory per process.

>>> t = [0.0]
>>> throttle = LoginThrottle(address_burst=2, name_burst=5, clock=lambda: t[0])
>>> throttle.admit("10.0.0.1", "alice"); throttle.failed("10.0.0.1", "alice")
>>> throttle.failed("10.0.0.1", "bob")
>>> throttle.admit("10.0.0.1", "carol")
Traceback (most recent call last):
riskline.errors.RateLimited: too many failed sign-ins from this address; retry in 10 s
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from riskline.errors import RateLimited
from riskline.ratelimit import TokenBuckets

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Failed-sign-in budgets per address and per (normalised) user name."""

    def __init__(
        self,
        *,
        address_burst: int = 10,
        address_rate: float = 0.1,
        name_burst: int = 10,
        name_rate: float = 1 / 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self._addresses = TokenBuckets(address_rate, float(address_burst), max_keys=100_000)
        self._names = TokenBuckets(name_rate, float(name_burst), max_keys=100_000)

    def admit(self, address: str, username: str) -> None:
        """Raise :class:`RateLimited` if the address or the name has no failure left."""
        now = self.clock()
        checks = ((self._addresses, "from this address"), (self._names, "for this user name"))
        for buckets, what in checks:
            key = address if buckets is self._addresses else _name(username)
            wait = buckets.peek(key, 1.0, now)
            if wait is not None:
                seconds = math.ceil(wait)
                raise RateLimited(
                    f"too many failed sign-ins {what}; retry in {seconds} s",
                    retry_after=seconds,
                )

    def failed(self, address: str, username: str) -> None:
        """Spend one failure of the address and of the name."""
        now = self.clock()
        self._addresses.take(address, 1.0, now)
        self._names.take(_name(username), 1.0, now)


def _name(username: str) -> str:
    return username.strip().lower()[:200]
