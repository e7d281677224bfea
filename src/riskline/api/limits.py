"""Body-size guard as raw ASGI middleware: 413 before a byte too many is buffered."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "too_large"]


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Reject request bodies over ``max_bytes`` (by Content-Length or while streaming)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _reject(send, self.max_bytes)
                return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await _reject(send, self.max_bytes)


def too_large(limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of the 413 answer to a body over ``limit`` bytes."""
    body: dict[str, Any] = {
        "error": "payload_too_large",
        "message": f"request body exceeds {limit} bytes",
    }
    raw = json.dumps(body).encode()
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
    ], raw


async def _reject(send: Send, limit: int) -> None:
    headers, raw = too_large(limit)
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
