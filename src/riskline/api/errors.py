"""The one place errors become HTTP responses."""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from riskline.errors import RateLimited, RisklineError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger(__name__)


def error_response(exc: RisklineError) -> JSONResponse:
    """The response for an error of the tree: its status, its body, and the headers it asks."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if exc.status == 503:
        headers = {"Retry-After": "1"}
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)


async def _riskline(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RisklineError)
    return error_response(exc)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    return JSONResponse(
        {"error": "invalid_input", "message": "request failed validation", "details": details},
        status_code=422,
    )


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        {"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error: %s", type(exc).__name__)
    return JSONResponse({"error": "internal_error", "message": "internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Map the error tree, request validation and stray exceptions to JSON bodies."""
    app.add_exception_handler(RisklineError, _riskline)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
