"""An in-memory stand-in for the JetStream bridge: one ordered events stream, durable
consumers with ack floors, a decisions and a dead-letter list (no server needed)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from riskline.stream import Received, StreamNames


class MemoryJetStream:
    """The calls :class:`riskline.stream.Worker` makes, over Python lists."""

    def __init__(self, names: StreamNames) -> None:
        self.names = names
        self.streams: dict[str, list[Received]] = {
            names.events_stream: [], names.decisions_stream: [], names.dlq_stream: [],
        }  # fmt: skip
        self._ids: dict[str, set[str]] = {k: set() for k in self.streams}
        self.floors: dict[str, int] = {}
        self._next: dict[str, int] = {}
        self._last = ""

    def _stream_of(self, subject: str) -> str:
        n = self.names
        if subject == n.events_subject:
            return n.events_stream
        return n.dlq_stream if subject == n.dlq_subject else n.decisions_stream

    def add(self, body: bytes, at: datetime) -> int:
        """Append an event message stamped ``at``."""
        stream = self.streams[self.names.events_stream]
        stream.append(Received(len(stream) + 1, body, {}, at))
        return len(stream)

    def publish_many(self, items: Sequence[tuple[str, bytes, Mapping[str, str]]]) -> list[int]:
        out = []
        for subject, data, headers in items:
            name = self._stream_of(subject)
            msg_id = headers.get("Nats-Msg-Id")
            stream = self.streams[name]
            if msg_id is None or msg_id not in self._ids[name]:
                stream.append(Received(len(stream) + 1, data, dict(headers), datetime.now(UTC)))
                if msg_id:
                    self._ids[name].add(msg_id)
            out.append(len(stream))
        return out

    def ack_floor(self, consumer: str) -> int | None:
        return self.floors.get(consumer)

    def open_consumer(self, consumer: str, start_seq: int, ack_wait: float = 300.0) -> None:
        self.floors.setdefault(consumer, start_seq - 1)
        self._next[consumer] = start_seq

    def fetch(self, consumer: str, batch: int, timeout: float = 0.5) -> list[Received]:
        stream = self.streams[self.names.events_stream]
        start = self._next[consumer]
        got = stream[start - 1 : start - 1 + batch]
        self._next[consumer] = start + len(got)
        self._last = consumer
        return got

    def ack(self, received: Received) -> None:
        """Acks go to the consumer of the last fetch (workers here step one at a time)."""
        self.floors[self._last] = received.seq

    def in_progress(self, received: Received) -> None:
        pass

    def replay(
        self, stream: str, until: int, start: int = 1, batch: int = 2000
    ) -> Iterator[Received]:
        yield from self.streams[stream][start - 1 : until]
