"""A synchronous face on nats-py's JetStream client, for the single-threaded worker.

The engine is synchronous and CPU-bound; nats-py is asyncio. The client runs on its own
event-loop thread and every call here waits for its coroutine, so the worker reads like
plain sequential code and never interleaves two batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import nats
from nats.aio.msg import Msg
from nats.js import api
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from riskline.errors import Unavailable
from riskline.stream.names import StreamNames

__all__ = ["JetStream", "Received"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Received:
    """One stream message: its stream sequence, body, headers and the stream's timestamp."""

    seq: int
    data: bytes
    headers: Mapping[str, str]
    at: datetime
    msg: Msg | None = None


def _received(m: Msg) -> Received:
    meta = m.metadata
    return Received(meta.sequence.stream, m.data, dict(m.headers or {}), meta.timestamp, m)


class JetStream:
    """Blocking JetStream calls for one deployment's streams (see :class:`StreamNames`)."""

    def __init__(self, url: str, names: StreamNames, timeout: float = 10.0) -> None:
        self.url = url
        self.names = names
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._subs: dict[str, JetStreamContext.PullSubscription] = {}
        try:
            self._nc = self._call(nats.connect(url, connect_timeout=2, max_reconnect_attempts=5))
        except Exception as err:
            self._stop_loop()
            raise Unavailable(f"NATS not reachable at {url}: {err}") from err
        self.js = self._nc.jetstream(timeout=timeout)

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout=(timeout or self.timeout) + 5)

    # -- streams --------------------------------------------------------------
    def ensure_streams(self, duplicate_window: float = 600.0, replicas: int = 1) -> None:
        """Create the events, decisions and dead-letter streams if missing (file storage)."""
        n = self.names
        for name, subjects in (
            (n.events_stream, [n.events_subject]),
            (n.decisions_stream, [n.decisions_subject("*")]),
            (n.dlq_stream, [n.dlq_subject]),
        ):
            config = api.StreamConfig(
                name=name,
                subjects=subjects,
                storage=api.StorageType.FILE,
                duplicate_window=duplicate_window,
                num_replicas=replicas,
            )
            try:
                self._call(self.js.stream_info(name))
            except NotFoundError:
                self._call(self.js.add_stream(config))

    def delete_streams(self) -> None:
        """Drop this deployment's streams (tests and ``riskline stream init --reset``)."""
        for name in (self.names.events_stream, self.names.decisions_stream, self.names.dlq_stream):
            with contextlib.suppress(NotFoundError):
                self._call(self.js.delete_stream(name))

    def last_seq(self, stream: str) -> int:
        """The last sequence stored in ``stream`` (0 when empty)."""
        info = self._call(self.js.stream_info(stream))
        return int(info.state.last_seq)

    # -- publishing -----------------------------------------------------------
    def publish_many(self, items: Sequence[tuple[str, bytes, Mapping[str, str]]]) -> list[int]:
        """Publish and wait for every stream acknowledgement; returns stream sequences.

        A ``Nats-Msg-Id`` header makes the stream drop a repeat inside its duplicate window.
        """

        async def go() -> list[int]:
            futs = [await self.js.publish_async(s, d, headers=dict(h) or None) for s, d, h in items]
            acks = await asyncio.gather(*futs)
            return [int(a.seq) for a in acks]

        return self._call(go(), timeout=self.timeout + len(items) / 1000)

    # -- consuming ------------------------------------------------------------
    def ack_floor(self, consumer: str) -> int | None:
        """The stream sequence up to which ``consumer`` acknowledged (None when it is new)."""
        try:
            info = self._call(self.js.consumer_info(self.names.events_stream, consumer))
        except NotFoundError:
            return None
        return int(info.ack_floor.stream_seq) if info.ack_floor else 0

    def open_consumer(self, consumer: str, start_seq: int, ack_wait: float = 300.0) -> None:
        """(Re)create durable ``consumer`` delivering in order from ``start_seq``.

        Recreating at the ack floor makes unacknowledged messages come back first and in
        stream order, instead of after their ack wait, mixed with newer ones.
        """
        stream = self.names.events_stream
        with contextlib.suppress(NotFoundError):
            self._call(self.js.delete_consumer(stream, consumer))
        config = api.ConsumerConfig(
            durable_name=consumer,
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=max(1, start_seq),
            ack_policy=api.AckPolicy.ALL,
            ack_wait=ack_wait,
            max_deliver=-1,
            max_ack_pending=20_000,
            filter_subject=self.names.events_subject,
        )
        self._call(self.js.add_consumer(stream, config))
        self._subs[consumer] = self._call(
            self.js.pull_subscribe_bind(consumer, stream=stream, durable=consumer)
        )

    def fetch(
        self, consumer: str, batch: int, timeout: float = 0.5, linger: float = 0.005
    ) -> list[Received]:
        """Up to ``batch`` messages in stream order ([] when none came within ``timeout``).

        Returns as soon as one message is there plus whatever else arrives within
        ``linger`` seconds: a pull for a full batch would otherwise wait for the batch to
        fill (the server holds a pull request that has an expiry), adding its whole
        timeout to the latency of a quiet stream.
        """
        sub = self._subs[consumer]

        async def go() -> list[Msg]:
            try:
                first = await sub.fetch(1, timeout=timeout)
            except (TimeoutError, nats.errors.TimeoutError):
                return []
            if batch == 1:
                return first
            try:
                return first + await sub.fetch(batch - 1, timeout=linger)
            except (TimeoutError, nats.errors.TimeoutError):
                return first

        return sorted((_received(m) for m in self._call(go())), key=lambda r: r.seq)

    def ack(self, received: Received) -> None:
        """Acknowledge ``received`` and (ack policy all) everything before it."""
        if received.msg is not None:
            self._call(received.msg.ack_sync())

    def in_progress(self, received: Received) -> None:
        """Tell the server the message is still being worked on (resets its ack wait)."""
        if received.msg is not None:
            self._call(received.msg.in_progress())

    def replay(
        self, stream: str, until: int, start: int = 1, batch: int = 2000
    ) -> Iterator[Received]:
        """Messages ``start..until`` of ``stream`` in order, through a throwaway consumer."""
        if until < start:
            return
        config = api.ConsumerConfig(
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
            ack_policy=api.AckPolicy.NONE,
            inactive_threshold=60.0,
            max_ack_pending=-1,
        )
        subject = {self.names.events_stream: self.names.events_subject}.get(stream, ">")
        sub = self._call(self.js.pull_subscribe(subject, stream=stream, config=config))
        try:
            seen = start - 1
            while seen < until:
                msgs = self._call(_fetch_some(sub, min(batch, until - seen)))
                if not msgs:
                    break
                for m in sorted((_received(m) for m in msgs), key=lambda r: r.seq):
                    if m.seq > until:
                        return
                    seen = m.seq
                    yield m
        finally:
            self._call(sub.unsubscribe())

    def close(self) -> None:
        """Close the connection (every publish was already acknowledged) and stop the loop."""
        try:
            self._call(self._nc.close())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()


async def _fetch_some(sub: JetStreamContext.PullSubscription, n: int) -> list[Msg]:
    try:
        return await sub.fetch(n, timeout=2.0)
    except (TimeoutError, nats.errors.TimeoutError):
        return []
