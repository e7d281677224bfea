"""API-key authentication and role checks, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from riskline.errors import Forbidden, Unauthenticated
from riskline.storage import ApiKey, KeyStore, Role

__all__ = ["require"]


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    raise Unauthenticated("missing API key (Authorization: Bearer <key> or X-API-Key)")


def require(*roles: Role) -> Callable[[Request], Awaitable[ApiKey]]:
    """A dependency admitting keys whose role is one of ``roles``."""
    allowed = frozenset(roles)

    async def check(request: Request) -> ApiKey:
        keys: KeyStore = request.app.state.runtime.keys
        key = keys.verify(_token(request))
        if key.role not in allowed:
            raise Forbidden(f"role {key.role.value} may not call this route")
        return key

    return check
