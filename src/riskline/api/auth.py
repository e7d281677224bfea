"""API-key authentication and role checks, as FastAPI dependencies."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable

from fastapi import Request

from riskline.errors import Forbidden, Unauthenticated
from riskline.storage import ApiKey, KeyStore, Role

__all__ = ["KeyCache", "require"]


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


def require(*roles: Role) -> Callable[[Request], Awaitable[ApiKey]]:
    """A dependency admitting keys whose role is one of ``roles``."""
    allowed = frozenset(roles)

    async def check(request: Request) -> ApiKey:
        cache: KeyCache = request.app.state.keys
        key = cache.verify(_token(request))
        if key.role not in allowed:
            raise Forbidden(f"role {key.role.value} may not call this route")
        return key

    return check
