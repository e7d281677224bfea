"""Names of the JetStream streams, subjects and consumers one deployment uses.

Every name derives from one prefix so a test (or a second deployment) can run beside
another on the same NATS server without touching its streams.

>>> n = StreamNames("riskline")
>>> n.events_subject, n.events_stream, n.consumer(0, 2)
('riskline.events', 'RISKLINE_EVENTS', 'worker-0-of-2')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from riskline.errors import InvalidConfig

__all__ = ["StreamNames"]

_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@dataclass(frozen=True, slots=True)
class StreamNames:
    """Events in, decisions out, dead letters aside; ``prefix`` keeps deployments apart."""

    prefix: str = "riskline"

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise InvalidConfig(f"stream prefix {self.prefix!r}: use lowercase letters, digits, _")

    @property
    def events_subject(self) -> str:
        """Where publishers send events (one subject: one global order)."""
        return f"{self.prefix}.events"

    @property
    def events_stream(self) -> str:
        """The events stream."""
        return f"{self.prefix.upper()}_EVENTS"

    @property
    def decisions_stream(self) -> str:
        """The published decisions stream (fed by the outbox relay)."""
        return f"{self.prefix.upper()}_DECISIONS"

    def decisions_subject(self, outcome: str = "*") -> str:
        """``<prefix>.decisions.<outcome>``; ``*`` for all."""
        return f"{self.prefix}.decisions.{outcome}"

    @property
    def dlq_stream(self) -> str:
        """Dead letters: undecodable or refused events, with their error."""
        return f"{self.prefix.upper()}_DLQ"

    @property
    def dlq_subject(self) -> str:
        """Where dead letters are published."""
        return f"{self.prefix}.dlq"

    def consumer(self, slot: int, slots: int) -> str:
        """The durable consumer of worker slot ``slot`` of ``slots``."""
        return f"worker-{slot}-of-{slots}"
