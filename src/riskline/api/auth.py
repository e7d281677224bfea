"""API-key authentication and role checks, as FastAPI dependencies.

Floods are cut before they reach the database: a token verified (or refused) a moment ago is
answered from memory (:class:`KeyCache`), and a client address whose requests keep failing
authentication is refused with 429 before its next key is looked up (:class:`AuthFailures`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from riskline.errors import Forbidden, RateLimited, Unauthenticated
from riskline.ratelimit import TokenBuckets
from riskline.storage import ApiKey, KeyStore, Role

T = TypeVar("T")

__all__ = ["AuthFailures", "KeyCache", "RateLimiter", "RoleCheck", "require", "token_of"]


def token_of(authorization: str | None, api_key: str | None) -> str | None:
    """The API key a request carries in its ``Authorization`` or ``X-API-Key`` header.

    >>> token_of("Bearer abc ", None), token_of("Basic abc", " k "), token_of(None, "")
    ('abc', 'k', None)
    """
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    if api_key:
        return api_key.strip()
    return None


def _token(request: Request) -> str:
    token = token_of(request.headers.get("authorization"), request.headers.get("x-api-key"))
    if token is None:
        raise Unauthenticated("missing API key (Authorization: Bearer <key> or X-API-Key)")
    return token


class KeyCache:
    """Keys verified less than ``ttl`` seconds ago, and tokens refused less than
    ``negative_ttl`` ago, answered from memory (a revocation takes at most ``ttl``; a new key
    works at once, its token was never refused). At most ``max_entries`` of each are kept."""

    def __init__(
        self,
        keys: KeyStore,
        ttl: float = 5.0,
        negative_ttl: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keys = keys
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.max_entries = max_entries
        self.clock = clock
        self._seen: dict[str, tuple[float, ApiKey]] = {}
        self._refused: dict[str, tuple[float, Unauthenticated]] = {}

    def cached(self, token: str) -> ApiKey | None:
        """The key behind ``token`` if it was verified less than ``ttl`` ago (no lookup)."""
        hit = self._seen.get(_digest(token))
        return hit[1] if hit is not None and self.clock() - hit[0] < self.ttl else None

    def fresh(self, token: str) -> tuple[ApiKey, float] | None:
        """The key behind ``token`` and how many seconds its verification stays good, if it was
        verified less than ``ttl`` ago (no lookup): a front process of ``riskline serve
        --workers N`` keeps it that long, so a revocation still takes at most ``ttl``.

        >>> t = [0.0]
        >>> cache = KeyCache(None, ttl=5.0, clock=lambda: t[0])  # type: ignore[arg-type]
        >>> cache._seen[_digest("tok")] = (0.0, "key")  # type: ignore[assignment]
        >>> t[0] = 1.5
        >>> cache.fresh("tok"), cache.fresh("other")
        (('key', 3.5), None)
        """
        hit = self._seen.get(_digest(token))
        if hit is None:
            return None
        left = self.ttl - (self.clock() - hit[0])
        return (hit[1], left) if left > 0 else None

    def verify(self, token: str) -> ApiKey:
        """The key behind ``token`` (from memory when verified less than ``ttl`` ago)."""
        digest = _digest(token)
        now = self.clock()
        hit = self._seen.get(digest)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        miss = self._refused.get(digest)
        if miss is not None and now - miss[0] < self.negative_ttl:
            raise miss[1]
        try:
            key = self.keys.verify(token)
        except Unauthenticated as err:
            _remember(self._refused, digest, (now, err), self.max_entries)
            raise
        _remember(self._seen, digest, (now, key), self.max_entries)
        return key


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _remember(memo: dict[str, T], digest: str, value: T, bound: int) -> None:
    if len(memo) >= bound:
        memo.clear()
    memo[digest] = value


class AuthFailures:
    """Failed authentications per client address: ``burst`` at once, then ``rate`` per second.

    An address out of budget is refused with 429 before its token is looked up at all.

    >>> failures = AuthFailures(rate=1, burst=2, clock=lambda: 0.0)
    >>> failures.admit("10.0.0.1"); failures.failed("10.0.0.1"); failures.failed("10.0.0.1")
    >>> failures.admit("10.0.0.1")
    Traceback (most recent call last):
    riskline.errors.RateLimited: too many failed authentications from this address; retry later
    >>> failures.admit("10.0.0.2") is None
    True
    """

    def __init__(
        self, rate: float = 10.0, burst: int = 100, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets = TokenBuckets(rate, float(burst), max_keys=100_000)

    def admit(self, address: str) -> None:
        """Raise :class:`RateLimited` if ``address`` has no failure left to spend."""
        wait = self._buckets.peek(address, 1.0, self.clock())
        if wait is not None:
            raise RateLimited(
                "too many failed authentications from this address; retry later",
                retry_after=wait,
            )

    def failed(self, address: str) -> None:
        """Spend one failure of ``address``."""
        self._buckets.take(address, 1.0, self.clock())


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
        key = _authenticated(request)
        if key.role not in self.roles:
            raise Forbidden(f"role {key.role.value} may not call this route")
        limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
        if limiter is not None:
            limiter.admit(key.key_id)
        return key


def _authenticated(request: Request) -> ApiKey:
    """The request's key. A key verified a moment ago is let through from memory; otherwise an
    address that keeps failing is refused (429) before its token is looked up."""
    cache: KeyCache = request.app.state.keys
    failures: AuthFailures | None = getattr(request.app.state, "auth_failures", None)
    address = request.client.host if request.client else "unknown"
    try:
        token = _token(request)
        known = cache.cached(token)
        if known is not None:
            return known
        if failures is not None:
            failures.admit(address)
        return cache.verify(token)
    except Unauthenticated:
        if failures is not None:
            failures.failed(address)
        raise


def require(*roles: Role) -> RoleCheck:
    """A dependency admitting keys whose role is one of ``roles``."""
    return RoleCheck(frozenset(roles))
