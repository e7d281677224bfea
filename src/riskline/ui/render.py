"""Jinja2 templates of the console and the one function views use to answer with a page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

__all__ = ["STATIC_DIR", "TEMPLATES", "money", "number", "render"]

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


def number(value: Any, digits: int = 3) -> str:
    """A feature, score or amount for people: thousands separated, never ``5e+04``.

    >>> number(50000.0), number(51234.56, 4), number(0.123456), number(1234), number(None)
    ('50,000', '51,235', '0.123', '1,234', '–')
    """
    if value is None or isinstance(value, bool):
        return "–" if value is None else str(value)
    if isinstance(value, int | Decimal):
        value = float(value)
    if not isinstance(value, float):
        return str(value)
    if value != value:
        return "–"
    if abs(value) >= 1000 or (value.is_integer() and abs(value) < 1e15):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def money(value: Any) -> str:
    """An amount: ``12,500`` or ``12,500.50``.

    >>> money(Decimal("12500.00")), money(Decimal("12500.5")), money(None)
    ('12,500', '12,500.50', '–')
    """
    if value is None:
        return "–"
    text = f"{Decimal(value):,.2f}"
    return text.removesuffix(".00")


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["num"] = number
TEMPLATES.env.filters["money"] = money


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
