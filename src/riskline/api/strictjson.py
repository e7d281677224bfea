"""JSON request bodies of the API's routes parsed strictly: a repeated key is a 422.

FastAPI reads a route's JSON body with ``request.json()``, which keeps the last of two equal
keys (``{"limit": 1, "limit": 9}`` is ``{"limit": 9}``). Routes built by :class:`StrictJsonRoute`
parse it with :func:`riskline.events.schema.loads_strict` first, so the request is refused
with a clear message instead.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from riskline.errors import InvalidInput
from riskline.events.schema import loads_strict

__all__ = ["StrictJsonRoute"]


class _StrictJsonRequest(Request):
    """A request whose ``json()`` refuses repeated keys, NaN and Infinity."""

    parsed: Any = None

    async def json(self) -> Any:
        if self.parsed is None:
            raw = await self.body()
            try:
                self.parsed = loads_strict(raw)
            except ValueError as err:  # JSON, UTF-8 and repeated-key errors alike
                raise InvalidInput(f"request body is not valid JSON: {err}") from None
        return self.parsed


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class StrictJsonRoute(APIRoute):
    """An API route whose JSON body is checked for repeated keys before FastAPI reads it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            request = _StrictJsonRequest(request.scope, request.receive)
            if _is_json(request) and await request.body():
                await request.json()  # a bad body is a 422 here, not FastAPI's 400
            return await handler(request)

        return strict
