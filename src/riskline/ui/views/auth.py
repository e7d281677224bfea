"""Sign-in, sign-out and the console's front door."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riskline.errors import InvalidInput, RateLimited, Unauthenticated
from riskline.ui.render import render
from riskline.ui.security import LOGIN_COOKIE, SESSION_COOKIE, current_session, set_cookie
from riskline.ui.throttle import LoginThrottle

__all__ = ["router"]

router = APIRouter()


def _safe_next(request: Request, target: str | None) -> str:
    """``target`` when it is a console path (no open redirect), else the console's start page."""
    base = request.scope.get("root_path", "")
    bad = ("//", "\\", "\n", "\r")
    if target and target.startswith(f"{base}/") and not any(b in target for b in bad):
        return target
    return f"{base}/"


def _login_page(
    request: Request, error: str = "", next_url: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", {"csrf": token, "error": error, "next": next_url}, status=status
    )
    signer = request.app.state.console.signer
    path = f"{request.scope.get('root_path', '')}/login"
    set_cookie(request, response, LOGIN_COOKIE, signer.sign(token), path)
    return response


def _throttle(request: Request) -> LoginThrottle:
    """The console's sign-in throttle (one per console app, made on first use)."""
    found: LoginThrottle | None = getattr(request.app.state, "login_throttle", None)
    if found is None:
        found = request.app.state.login_throttle = LoginThrottle()
    return found


@router.get("/login")
async def login_form(request: Request, next: str = "") -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    try:
        await current_session(request)
    except Unauthenticated:
        return _login_page(request, next_url=_safe_next(request, next))
    return RedirectResponse(_safe_next(request, next), status_code=303)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password (scrypt, off the event loop), start a session, go on to ``next``.

    An address or user name with too many failed sign-ins gets 429 before any hashing.
    """
    console = request.app.state.console
    throttle, address = _throttle(request), request.client.host if request.client else "unknown"
    try:
        throttle.admit(address, username)
    except RateLimited as err:
        page = _login_page(request, err.message, _safe_next(request, next), status=429)
        page.headers["Retry-After"] = str(max(1, round(err.retry_after)))
        return page
    try:
        user = await run_in_threadpool(console.users.authenticate, username, password)
    except (Unauthenticated, InvalidInput) as err:
        throttle.failed(address, username)
        return _login_page(request, err.message, _safe_next(request, next), status=401)
    session_id, _ = await run_in_threadpool(console.sessions.create, user)
    response = RedirectResponse(_safe_next(request, next), status_code=303)
    base = request.scope.get("root_path", "")
    set_cookie(request, response, SESSION_COOKIE, console.signer.sign(session_id), f"{base}/")
    response.delete_cookie(LOGIN_COOKIE, path=f"{base}/login", httponly=True, samesite="strict")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session now (the row is deleted, not just the cookie)."""
    console = request.app.state.console
    raw = request.cookies.get(SESSION_COOKIE, "")
    session_id = console.signer.unsign(raw) if raw else None
    if session_id is not None:
        await run_in_threadpool(console.sessions.end, session_id)
    base = request.scope.get("root_path", "")
    response = RedirectResponse(f"{base}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=f"{base}/", httponly=True, samesite="strict")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    """The start page: the review queue."""
    await current_session(request)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/queue", status_code=303)
