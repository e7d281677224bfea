"""``POST /v1/events`` without the framework's per-request machinery, for the common case.

Profiled under ``wrk`` (docs/benchmarks.md, issue 18), more than half of the serving thread's
time on a single-event request went to FastAPI and Starlette: the middleware stack, dependency
resolution, the strict-JSON route wrapper, the response model's serialisation. The events route
needs none of it when the request is well formed and its key was verified a moment ago, so this
raw ASGI middleware answers such requests itself, with the same functions the route uses
(:func:`riskline.api.routes.events.read_events`, :func:`~riskline.api.routes.events.decisions_json`)
and the same error bodies (:func:`riskline.api.errors.error_response`).

Everything else goes down the ordinary route, with the body it has already read: a key not
verified in the last few seconds (so a failed authentication is counted and limited there, as
before), a role that may not ingest, a body that does not parse. Parsing changes nothing, so
handing a refused body on is safe. Once events reach the writer the answer is given here,
success or error, so no event is submitted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from riskline.api.auth import KeyCache, RateLimiter, token_of
from riskline.api.errors import error_response
from riskline.api.metrics import Metrics
from riskline.api.routes.events import decisions_json, read_events
from riskline.decisioning import BatchResult
from riskline.errors import RisklineError
from riskline.events import Event
from riskline.runtime import Runtime
from riskline.storage import Role

__all__ = [
    "Answer",
    "EventFastPath",
    "decide_events",
    "decided_answer",
    "error_answer",
    "read_body",
    "scope_token",
]

_PATH = "/v1/events"
_ROLES = frozenset({Role.INGEST, Role.ADMIN})
_JSON_HEADERS = [(b"content-type", b"application/json")]


class EventFastPath:
    """Answer well-formed, recently authenticated ``POST /v1/events`` requests directly."""

    def __init__(
        self,
        app: ASGIApp,
        runtime: Runtime,
        keys: KeyCache,
        limiter: RateLimiter,
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.keys = keys
        self.limiter = limiter
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != _PATH:
            await self.app(scope, receive, send)
            return
        body, tail = await read_body(receive)
        if tail is not None:  # the client went away while sending: let the route say so
            await self.app(scope, _replay(body, receive, tail), send)
            return
        token = scope_token(scope)
        key = self.keys.cached(token) if token is not None else None
        if key is None or key.role not in _ROLES:
            await self.app(scope, _replay(body, receive), send)
            return
        settings = self.runtime.settings
        try:
            events, batch = read_events(body, self.runtime.hasher, settings.max_batch_events)
        except RisklineError:  # the route gives the error its usual body
            await self.app(scope, _replay(body, receive), send)
            return
        answer = await decide_events(
            self.runtime, self.limiter, self.metrics, key.key_id, events, batch
        )
        await answer.send(send)


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole HTTP answer: status, headers (content type and length included) and body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    async def send(self, send: Send) -> None:
        """Send it on an ASGI channel."""
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def error_answer(err: RisklineError) -> Answer:
    """The answer :func:`riskline.api.errors.error_response` gives ``err``, byte for byte."""
    response = error_response(err)
    return Answer(response.status_code, list(response.raw_headers), bytes(response.body))


async def decide_events(
    runtime: Runtime,
    limiter: RateLimiter,
    metrics: Metrics,
    key_id: str,
    events: Sequence[Event],
    batch: bool,
) -> Answer:
    """The answer to parsed events of an authenticated ``key`` that may ingest: within its rate,
    decided and committed by the writer, counted in ``metrics``; or the error's answer."""
    try:
        limiter.admit(key_id)
        result = await runtime.ingestor.process_async(events)
    except RisklineError as err:
        return error_answer(err)
    return decided_answer(result, batch, metrics)


def decided_answer(result: BatchResult, batch: bool, metrics: Metrics) -> Answer:
    """The 200 answer to committed events, counted in ``metrics`` (events, fast path)."""
    metrics.observe(result.decisions, result.replayed)
    metrics.fast_path.inc()
    raw = decisions_json(result, batch)
    return Answer(200, [*_JSON_HEADERS, (b"content-length", str(len(raw)).encode())], raw)


def scope_token(scope: Scope) -> str | None:
    """The API key of a request's headers (``Authorization: Bearer`` or ``X-API-Key``)."""
    auth = key = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            auth = value.decode("latin-1")
        elif name == b"x-api-key":
            key = value.decode("latin-1")
    return token_of(auth, key)


async def read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole request body, and the message that interrupted it (a disconnect) if any."""
    chunks: list[bytes] = []
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            return b"".join(chunks), msg
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, receive: Receive, tail: Message | None = None) -> Receive:
    """A receive channel that gives ``body`` again, then ``tail`` or what the client sends."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            msg: dict[str, Any] = {"type": "http.request", "body": body, "more_body": False}
            return msg
        if tail is not None:
            return tail
        return await receive()

    return again
