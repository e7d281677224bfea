"""Sign-in state and request guards: session cookie, roles, CSRF on every unsafe request."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from riskline.errors import Forbidden, Unauthenticated
from riskline.ui.sessions import Session
from riskline.ui.users import ConsoleRole

__all__ = [
    "LOGIN_COOKIE",
    "PRE_SESSION_PATHS",
    "SESSION_COOKIE",
    "SecurityHeaders",
    "current_session",
    "enforce_csrf",
    "local_path",
    "require_role",
    "set_cookie",
]

SESSION_COOKIE = "rl_console"
LOGIN_COOKIE = "rl_console_login"
PRE_SESSION_PATHS = frozenset({"/login"})
"""Unsafe requests made before sign-in; their CSRF token is checked against ``LOGIN_COOKIE``."""
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


def local_path(request: Request) -> str:
    """The request path below the console's mount point (``/login``, ``/cases/c1``)."""
    root = request.scope.get("root_path", "")
    path: str = request.scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path


def set_cookie(request: Request, response: Response, name: str, value: str, path: str) -> None:
    """Set an HttpOnly, SameSite=Strict cookie (Secure per the console settings)."""
    settings = request.app.state.console.settings
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure(request.url.hostname or ""),
    )


async def current_session(request: Request) -> Session:
    """The signed-in session, or :class:`Unauthenticated` (remembered for the request)."""
    cached: Session | None = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    console = request.app.state.console
    raw = request.cookies.get(SESSION_COOKIE)
    session_id = console.signer.unsign(raw) if raw else None
    if session_id is None:
        raise Unauthenticated("please sign in")
    session: Session = await run_in_threadpool(console.sessions.resolve, session_id)
    request.state.session = session
    return session


def require_role(role: ConsoleRole) -> Callable[[Request], Awaitable[Session]]:
    """A dependency admitting signed-in users whose role includes ``role``."""

    async def check(request: Request) -> Session:
        session = await current_session(request)
        if not session.user.role.allows(role):
            raise Forbidden(f"this page needs the {role.value} role")
        return session

    return check


async def enforce_csrf(request: Request) -> None:
    """App-wide dependency: every unsafe request carries the session's CSRF token.

    The token comes in the ``X-CSRF-Token`` header (HTMX requests) or the ``csrf_token``
    form field (plain forms). Before sign-in it is checked against the signed login cookie.
    """
    if request.method in _SAFE:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get("csrf_token")
        sent = field if isinstance(field, str) else None
    expected: str | None
    if local_path(request) in PRE_SESSION_PATHS:
        raw = request.cookies.get(LOGIN_COOKIE, "")
        expected = request.app.state.console.signer.unsign(raw) if raw else None
    else:
        expected = (await current_session(request)).csrf_token
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")


class SecurityHeaders:
    """ASGI middleware adding CSP, framing, sniffing and caching headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(f"{scope.get('root_path', '')}/static/")

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                headers.extend(_HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
