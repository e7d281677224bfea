"""A front process of ``riskline serve --workers N``: HTTP in, the writer process decides.

Fronts share the public listening socket. For ``POST /v1/events`` with a key the front saw
verified less than ``RISKLINE_KEY_CACHE_SECONDS`` ago, with a role that may ingest and a body
that parses, the front does the per-request work itself (HTTP, the key check from memory, the
body's JSON and event validation with the route's own :func:`~riskline.api.routes.events.
read_events`) and sends the parsed events to the writer (:mod:`riskline.api.writer`), which
applies the key's rate limit, decides, commits and returns the answer. Every other request
(other routes, a key not known here, a role that may not ingest, a body that does not parse) is
forwarded whole to the writer's app, so its answer is the single process's; the writer tells
the front what its key cache knows of the request's key, and the front trusts that for the
time the writer's cache would, so a revocation takes effect within the same bound.

If the writer process is gone, requests are answered 503 (``unavailable``, ``Retry-After: 1``)
at once, and the front connects again on the next request.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from starlette.types import Receive, Scope, Send

from riskline.api.fastpath import Answer, error_answer, scope_token
from riskline.api.ipc import FrameReader, FrameWriter, encode
from riskline.api.limits import too_large
from riskline.api.routes.events import read_events
from riskline.api.writer import ForwardedRequest
from riskline.errors import RisklineError, Unavailable
from riskline.events import PiiHasher
from riskline.storage import ApiKey, Role

__all__ = ["FrontApp", "FrontKeys", "WriterLink", "main"]

log = logging.getLogger(__name__)

_PATH = "/v1/events"
_ROLES = frozenset({Role.INGEST, Role.ADMIN})


class FrontKeys:
    """Keys the writer vouched for, each until the moment the writer's own cache drops it."""

    def __init__(
        self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._keys: dict[str, tuple[float, ApiKey]] = {}

    def get(self, token: str) -> ApiKey | None:
        """The key behind ``token`` while its verification is good, else None."""
        hit = self._keys.get(_digest(token))
        return hit[1] if hit is not None and self.clock() < hit[0] else None

    def learn(self, token: str, key: ApiKey, seconds: float) -> None:
        """Trust ``key`` for ``token`` for ``seconds`` from now."""
        if len(self._keys) >= self.max_entries:
            self._keys.clear()
        self._keys[_digest(token)] = (self.clock() + seconds, key)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WriterLink:
    """The front's connection to the writer: requests multiplexed on one unix socket by id.

    A request finds the writer gone (connection refused, or closed while waiting) as
    :class:`Unavailable`; the next request connects again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ids = itertools.count(1)
        self._protocol: _LinkProtocol | None = None
        self._connecting: asyncio.Lock | None = None

    async def ask(self, kind: str, *payload: Any) -> tuple[Any, ...]:
        """Send a frame and await its answer: ``(status, headers, body, known_key)``."""
        protocol = await self._connected()
        rid = next(self._ids)
        reply: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
        protocol.pending[rid] = reply
        protocol.send(encode((kind, rid, *payload)))
        return await reply

    async def tell(self, kind: str, *payload: Any) -> None:
        """Send a frame that has no answer (best effort: nothing happens if the writer is gone)."""
        try:
            protocol = await self._connected()
        except Unavailable:
            return
        protocol.send(encode((kind, *payload)))

    async def _connected(self) -> _LinkProtocol:
        protocol = self._protocol
        if protocol is not None and protocol.open:
            return protocol
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:  # one attempt for everyone waiting
            if self._protocol is not None and self._protocol.open:
                return self._protocol
            loop = asyncio.get_running_loop()
            try:
                _, protocol = await loop.create_unix_connection(_LinkProtocol, str(self.path))
            except OSError:
                raise Unavailable("the writer process is not answering; retry shortly") from None
            self._protocol = protocol
            return protocol


class _LinkProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = FrameReader()
        self.pending: dict[int, asyncio.Future[tuple[Any, ...]]] = {}
        self.out: FrameWriter | None = None
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.out = FrameWriter(cast(asyncio.Transport, transport))  # uvloop's: not subclasses
        self.open = True

    def send(self, frame: bytes) -> None:
        if not self.open or self.out is None:
            raise Unavailable("the writer process is not answering; retry shortly")
        self.out.send(frame)

    def data_received(self, data: bytes) -> None:
        for rid, *answer in self.reader.feed(data):
            waiter = self.pending.pop(rid, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(tuple(answer))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        pending, self.pending = self.pending, {}
        for waiter in pending.values():
            if not waiter.done():
                waiter.set_exception(
                    Unavailable("the writer process stopped before answering; retry shortly")
                )


class FrontApp:
    """The ASGI app of a front process (see the module's description)."""

    def __init__(
        self,
        link: WriterLink,
        keys: FrontKeys,
        hasher: PiiHasher,
        max_batch_events: int,
        max_body_bytes: int,
    ) -> None:
        self.link = link
        self.keys = keys
        self.hasher = hasher
        self.max_batch_events = max_batch_events
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # uvicorn runs fronts without lifespan or websockets
            return
        body = await self._body(scope, receive, send)
        if body is None:  # too large (answered) or the client went away
            return
        token = scope_token(scope)
        try:
            answer = await self._answer(scope, body, token)
        except RisklineError as err:  # the writer is gone
            answer = error_answer(err)
        await answer.send(send)

    async def _answer(self, scope: Scope, body: bytes, token: str | None) -> Answer:
        events = scope["method"] == "POST" and scope["path"] == _PATH
        if events and token is not None:
            key = self.keys.get(token)
            if key is not None and key.role in _ROLES:
                try:
                    parsed, batch = read_events(body, self.hasher, self.max_batch_events)
                except RisklineError:  # the route gives the error its usual body
                    pass
                else:
                    status, headers, raw, _ = await self.link.ask(
                        "events", key.key_id, parsed, batch
                    )
                    return Answer(status, headers, raw)
        status, headers, raw, known = await self.link.ask(
            "http", _forwarded(scope), body, token if events else None
        )
        if known is not None and token is not None:
            self.keys.learn(token, *known)
        return Answer(status, headers, raw)

    async def _body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The request body, or None once a 413 was sent (as ``BodyLimit`` would) or the
        client left."""
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await self._too_large(send)
                return None
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body_bytes:
                await self._too_large(send)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Send) -> None:
        headers, raw = too_large(self.max_body_bytes)
        await Answer(413, headers, raw).send(send)
        await self.link.tell("rejected", "payload_too_large")


def _forwarded(scope: Scope) -> ForwardedRequest:
    client = scope.get("client")
    server = scope.get("server")
    return ForwardedRequest(
        method=scope["method"],
        scheme=scope.get("scheme", "http"),
        http_version=scope.get("http_version", "1.1"),
        path=scope["path"],
        raw_path=scope.get("raw_path"),
        query_string=scope.get("query_string", b""),
        headers=list(scope["headers"]),
        client=tuple(client) if client is not None else None,
        server=tuple(server) if server is not None else None,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m riskline.api.front FD SOCKET``: serve HTTP on the inherited listening socket
    ``FD``, with the writer on the unix socket ``SOCKET``; settings from ``RISKLINE_*``."""
    import uvicorn

    from riskline.api.writer import run_loop
    from riskline.config import Settings

    fd, path = argv if argv is not None else sys.argv[1:3]
    settings = Settings()
    app = FrontApp(
        WriterLink(Path(path)),
        FrontKeys(),
        PiiHasher(settings.pii_key),
        settings.max_batch_events,
        settings.max_body_bytes,
    )
    listener = socket.socket(fileno=int(fd))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none")
    server = uvicorn.Server(config)
    run_loop(lambda: server.serve(sockets=[listener]))


if __name__ == "__main__":
    main()
