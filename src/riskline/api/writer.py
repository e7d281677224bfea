"""The writer process of ``riskline serve --workers N``: the one runtime, served to the fronts.

Front processes (:mod:`riskline.api.front`) accept HTTP and send this process frames
(:mod:`riskline.api.ipc`) over a unix socket:

- ``("events", id, key_id, events, batch)``: events the front parsed for a key it knows may
  ingest. Answered as the single process's fast path answers
  (:func:`~riskline.api.fastpath.decide_events`): the key's rate limit (one bucket per key,
  here), the writer's group commit, the decisions as JSON, counted in this process's metrics.
- ``("http", id, request, body, token)``: any other request, run through the whole app here
  (:func:`riskline.api.app.create_app`: routes, console, metrics, the key lookups and their
  failure limits), so every route keeps its single-process behaviour. A request that carried
  a key is answered with what the app's key cache now knows of it, for the front's own cache.
- ``("rejected", reason)``: a refusal the front gave itself (an oversized body), counted here.

Events frames go straight to the writer thread's queue, so concurrent requests share its group
commits, and are answered from the writer's own future once committed (no task per request);
forwarded requests each run in a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

from starlette.types import ASGIApp, Message

from riskline.api.auth import KeyCache, RateLimiter
from riskline.api.fastpath import Answer, decided_answer, error_answer
from riskline.api.ipc import FrameReader, FrameWriter, encode
from riskline.api.metrics import Metrics
from riskline.decisioning import BatchResult
from riskline.errors import RisklineError, Unavailable
from riskline.events import Event
from riskline.runtime import Runtime

__all__ = ["ForwardedRequest", "WriterEndpoint", "lifespan", "main", "run_loop"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ForwardedRequest:
    """What the writer's app needs of a request a front accepted (its ASGI scope's fields)."""

    method: str
    scheme: str
    http_version: str
    path: str
    raw_path: bytes | None
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    client: tuple[str, int] | None
    server: tuple[str, int | None] | None

    def scope(self, state: dict[str, Any]) -> dict[str, Any]:
        """The ASGI scope the app sees: the front's own, as uvicorn gave it."""
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": self.http_version,
            "method": self.method,
            "scheme": self.scheme,
            "path": self.path,
            "raw_path": self.raw_path,
            "query_string": self.query_string,
            "root_path": "",
            "headers": self.headers,
            "client": self.client,
            "server": self.server,
            "state": dict(state),
        }


class WriterEndpoint:
    """Answers the fronts' frames with ``app`` (built by ``create_app`` on ``runtime``)."""

    def __init__(self, app: ASGIApp, runtime: Runtime, state: dict[str, Any]) -> None:
        self.app = app
        self.runtime = runtime
        self.state = state  # the app's lifespan state, as uvicorn would pass it
        app_state = getattr(app, "state")  # noqa: B009 - a Starlette app's state
        self.keys: KeyCache = app_state.keys
        self.limiter: RateLimiter = app_state.limiter
        self.metrics: Metrics = app_state.metrics

    async def start(self, path: Path) -> asyncio.AbstractServer:
        """Listen on the unix socket ``path`` (replacing a stale one)."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        loop = asyncio.get_running_loop()
        server = await loop.create_unix_server(lambda: _FrontConnection(self), str(path))
        os.chmod(path, 0o600)
        return server

    def events(
        self, key_id: str, events: list[Event], batch: bool, reply: Callable[[Answer], None]
    ) -> None:
        """Decide a front's parsed events and ``reply`` with the fast path's answer (on this
        loop, once committed). No task per request: the writer's own future calls back."""
        try:
            self.limiter.admit(key_id)
            future = self.runtime.ingestor.submit(events)
        except RisklineError as err:
            reply(self._refused(err))
            return
        loop = asyncio.get_running_loop()

        def committed(done: Future[BatchResult]) -> None:  # on the writer thread
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                loop.call_soon_threadsafe(self._answer, done, batch, reply)

        future.add_done_callback(committed)

    def _answer(
        self, done: Future[BatchResult], batch: bool, reply: Callable[[Answer], None]
    ) -> None:
        try:
            result = done.result()
        except RisklineError as err:
            reply(self._refused(err))
            return
        except Exception:
            log.exception("a front's events failed")
            reply(_internal_error())
            return
        reply(decided_answer(result, batch, self.metrics))

    def _refused(self, err: RisklineError) -> Answer:
        self.metrics.rejected.labels(err.code).inc()  # as the single process's RejectCounter
        return error_answer(err)

    async def http(
        self, request: ForwardedRequest, body: bytes, token: str | None
    ) -> tuple[Answer, Any]:
        """Run a forwarded request through the app; the answer, and the key the app's cache
        holds for ``token`` with the seconds it stays good (None if it holds none)."""
        answer = await self._run(request, body)
        return answer, (self.keys.fresh(token) if token is not None else None)

    async def _run(self, request: ForwardedRequest, body: bytes) -> Answer:
        done = asyncio.Event()
        given = False
        status, headers, chunks = 500, list[tuple[bytes, bytes]](), list[bytes]()

        async def receive() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = int(message["status"]), list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(request.scope(self.state), receive, send)
        except Exception:  # uvicorn logs it and answers 500 when nothing was sent
            log.exception("unhandled error in a forwarded request")
            if not chunks:
                return _internal_error()
        finally:
            done.set()
        return Answer(status, headers, b"".join(chunks))


def _internal_error() -> Answer:
    body = b"Internal Server Error"
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21")]
    return Answer(500, headers, body)


class _FrontConnection(asyncio.Protocol):
    """One front's connection: frames in, each handled in a task, answers out by request id."""

    def __init__(self, endpoint: WriterEndpoint) -> None:
        self.endpoint = endpoint
        self.reader = FrameReader()
        self.transport: asyncio.Transport | None = None
        self.out: FrameWriter | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.out = FrameWriter(self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            frames = self.reader.feed(data)
        except Exception:  # a broken stream: drop the front, it reconnects
            log.exception("unreadable frame from a front; closing its connection")
            if self.transport is not None:
                self.transport.close()
            return
        for frame in frames:
            kind = frame[0]
            if kind == "events":
                self.endpoint.events(frame[2], frame[3], frame[4], partial(self._reply, frame[1]))
            elif kind == "http":
                self._spawn(self._http(frame[1], frame[2], frame[3], frame[4]))
            elif kind == "rejected":
                self.endpoint.metrics.rejected.labels(str(frame[1])).inc()
            else:
                self._reply(frame[1], error_answer(Unavailable(f"unknown frame {kind!r}")))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _http(
        self, rid: int, request: ForwardedRequest, body: bytes, token: str | None
    ) -> None:
        try:
            answer, known = await self.endpoint.http(request, body, token)
        except Exception:
            log.exception("a forwarded request failed")
            answer, known = _internal_error(), None
        self._reply(rid, answer, known)

    def _reply(self, rid: int, answer: Answer, known: Any = None) -> None:
        if self.out is not None and self.transport is not None:
            self.out.send(encode((rid, answer.status, answer.headers, answer.body, known)))


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run ``app``'s ASGI lifespan (startup before, shutdown after); yields its state."""
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    inbox.put_nowait({"type": "lifespan.startup"})

    async def send(message: Message) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete" and not started.done():
            started.set_result(None)
        elif kind == "lifespan.startup.failed" and not started.done():
            started.set_exception(Unavailable(f"startup failed: {message.get('message', '')}"))

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}

    async def run() -> None:
        await app({**scope, "state": state}, inbox.get, send)

    task = asyncio.create_task(run())

    def ended(t: asyncio.Task[None]) -> None:
        if not started.done():
            err = None if t.cancelled() else t.exception()
            started.set_exception(err or Unavailable("the app ended its lifespan"))

    task.add_done_callback(ended)
    await started
    try:
        yield state
    finally:
        inbox.put_nowait({"type": "lifespan.shutdown"})
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=30)


def run_loop(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``main`` on uvloop (as uvicorn does) when it is installed."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())


async def _serve(app: ASGIApp, runtime: Runtime, path: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with lifespan(app) as state:
        server = await WriterEndpoint(app, runtime, state).start(path)
        await stop.wait()
        server.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def main(argv: list[str] | None = None) -> None:
    """``python -m riskline.api.writer SOCKET``: build the runtime from ``RISKLINE_*``, serve
    the fronts on the unix socket ``SOCKET`` until SIGTERM, then stop the writer cleanly."""
    from riskline.api.app import create_app
    from riskline.config import Settings
    from riskline.runtime import build_runtime
    from riskline.stream.process import start_webhook_relay

    (path,) = (argv if argv is not None else sys.argv[1:])[:1]
    logging.basicConfig(level=logging.WARNING)
    runtime = build_runtime(Settings())
    relay = start_webhook_relay(runtime)  # signed webhooks from the transactional outbox
    try:
        app = create_app(runtime)
        run_loop(lambda: _serve(app, runtime, Path(path)))
    finally:
        relay.close()
        runtime.close()


if __name__ == "__main__":
    main()
