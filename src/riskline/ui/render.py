"""Jinja2 templates of the console and the one function views use to answer with a page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

__all__ = ["STATIC_DIR", "TEMPLATES", "render"]

_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "static"
TEMPLATES = Jinja2Templates(directory=str(_HERE / "templates"))


def _when(value: datetime | str | None) -> str:
    """A timestamp as ``2026-03-01 09:00:05`` (UTC), for tables."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _num(value: Any, digits: int = 3) -> str:
    """A feature or score value, short: integers plainly, floats to ``digits`` significant."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:
            return "–"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["num"] = _num


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render template ``name`` with the request's sign-in state, CSRF token and base path."""
    session = getattr(request.state, "session", None)
    base = request.scope.get("root_path", "")
    full = {
        "base": base,
        "static": f"{base}/static",
        "session": session,
        "user": session.user if session else None,
        "csrf": session.csrf_token if session else context.get("csrf", ""),
        **context,
    }
    return TEMPLATES.TemplateResponse(
        request, name, full, status_code=status, headers=dict(headers or {})
    )
