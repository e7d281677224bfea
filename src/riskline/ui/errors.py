"""Errors as the console shows them: a sign-in redirect, an error page, or a flash fragment."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from riskline.errors import RisklineError
from riskline.ui.render import render
from riskline.ui.security import local_path

__all__ = ["install_console_errors"]

log = logging.getLogger(__name__)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _login_redirect(request: Request) -> Response:
    """To the sign-in page, coming back afterwards to the page the user was on."""
    root = request.scope.get("root_path", "")
    target = f"{root}/login"
    back = ""
    if _is_htmx(request):
        page = urlsplit(request.headers.get("hx-current-url", ""))
        back = page.path + (f"?{page.query}" if page.query else "")
    elif request.method == "GET" and local_path(request) != "/":
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if back.startswith(f"{root}/"):
        target += "?next=" + quote(back, safe="")
    if _is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _problem(request: Request, status: int, message: str) -> Response:
    if _is_htmx(request):
        return render(
            request,
            "_flash.html",
            {"message": message, "level": "error"},
            status=status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    return render(request, "error.html", {"status": status, "message": message}, status=status)


async def _riskline(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RisklineError)
    if exc.status == 401:
        return _login_redirect(request)
    return _problem(request, exc.status, exc.message)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors())
    return _problem(request, 422, f"the form has missing or invalid fields: {fields}")


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = "no such page" if exc.status_code == 404 else str(exc.detail)
    return _problem(request, exc.status_code, message)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("console error: %s", type(exc).__name__)
    return _problem(request, 500, "internal error; the details are in the server log")


def install_console_errors(app: FastAPI) -> None:
    """Map the error tree and stray exceptions to console responses."""
    app.add_exception_handler(RisklineError, _riskline)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
