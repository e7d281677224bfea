"""API-key authentication and role checks, as FastAPI dependencies."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from fastapi import Request

from riskline.errors import Forbidden, RateLimited, Unauthenticated
from riskline.ratelimit import TokenBuckets
from riskline.storage import ApiKey, KeyStore, Role

__all__ = ["KeyCache", "RateLimiter", "RoleCheck", "require"]


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    raise Unauthenticated("missing API key (Authorization: Bearer <key> or X-API-Key)")


class KeyCache:
    """Verified keys remembered for ``ttl`` seconds (so a revocation takes at most that long)."""

    def __init__(self, keys: KeyStore, ttl: float = 5.0) -> None:
        self.keys = keys
        self.ttl = ttl
        self._seen: dict[str, tuple[float, ApiKey]] = {}

    def verify(self, token: str) -> ApiKey:
        """The key behind ``token`` (from memory when verified less than ``ttl`` ago)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        hit = self._seen.get(digest)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        key = self.keys.verify(token)
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[digest] = (now, key)
        return key


class RateLimiter:
    """A token bucket per API key: ``rate`` requests per second, bursts up to ``burst``.

    >>> t = [0.0]
    >>> limiter = RateLimiter(rate=2, burst=2, clock=lambda: t[0])
    >>> limiter.admit("k"), limiter.admit("k")
    (None, None)
    >>> limiter.admit("k")
    Traceback (most recent call last):
    riskline.errors.RateLimited: too many requests for this key (limit 2/s); retry shortly
    >>> t[0] = 0.5
    >>> limiter.admit("k") is None
    True
    """

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets = TokenBuckets(rate, float(burst), max_keys=100_000)

    def admit(self, key_id: str) -> None:
        """Take one token for ``key_id`` or raise :class:`RateLimited`."""
        if self.rate <= 0:
            return None
        wait = self._buckets.take(key_id, 1.0, self.clock())
        if wait is not None:
            raise RateLimited(
                f"too many requests for this key (limit {self.rate:g}/s); retry shortly",
                retry_after=wait,
            )
        return None


class RoleCheck:
    """A FastAPI dependency admitting keys whose role is in ``roles`` (and within their rate)."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    async def __call__(self, request: Request) -> ApiKey:
        cache: KeyCache = request.app.state.keys
        key = cache.verify(_token(request))
        if key.role not in self.roles:
            raise Forbidden(f"role {key.role.value} may not call this route")
        limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
        if limiter is not None:
            limiter.admit(key.key_id)
        return key


def require(*roles: Role) -> RoleCheck:
    """A dependency admitting keys whose role is one of ``roles``."""
    return RoleCheck(frozenset(roles))
