"""Which stream messages become events, decided the same way by every worker.

Each worker reads the whole events stream and must agree with every other worker on
which messages count: :class:`Admission` is a pure function of the stream prefix and
the message (never of the wall clock or the database), so workers, their replays after
a restart and the single-process reference all admit the same events.

>>> from datetime import datetime, timezone
>>> a = Admission()
>>> at = datetime(2026, 1, 2, tzinfo=timezone.utc)
>>> body = (b'{"type":"payment","event_id":"e1","occurred_at":"2026-01-01T00:00:00+00:00",'
...         b'"account_id":"a1","merchant_id":"m1","amount":"10.00"}')
>>> type(a.check([body], [at])[0]).__name__
'Payment'
>>> a.commit(); a.check([body], [at])[0] is None    # the same event again: a duplicate
True
>>> a.check([b"{oops"], [at])[0].error.split(":")[0]
'undecodable'
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

from riskline.decisioning import owner_of
from riskline.events import Event, decode_event, event_fingerprint

__all__ = ["Admission", "Refused", "slot_of"]


@dataclass(frozen=True, slots=True)
class Refused:
    """A message that never becomes an event; ``error`` goes to the dead-letter stream."""

    error: str


Verdict = Event | Refused | None
"""An admitted event, a refusal, or None for a repeat of an admitted event."""


class Admission:
    """Decode, then refuse what the engine would refuse, deterministically.

    Refused: undecodable bodies, malformed events, naive timestamps, an ``event_id``
    seen before with other content, and ``occurred_at`` later than the message's
    stream timestamp plus ``max_future_skew`` (the stream clock, not the worker's).
    """

    def __init__(self, max_future_skew: timedelta = timedelta(minutes=5)) -> None:
        self.max_future_skew = max_future_skew
        self._seen: dict[str, bytes] = {}
        self._staged: dict[str, bytes] = {}

    def check(self, bodies: Sequence[bytes], stamps: Sequence[datetime]) -> list[Verdict]:
        """Verdicts for consecutive messages; kept aside until :meth:`commit`."""
        self._staged = {}
        return [self._one(body, at) for body, at in zip(bodies, stamps, strict=True)]

    def commit(self) -> None:
        """The last :meth:`check` was applied: remember its events."""
        self._seen.update(self._staged)
        self._staged = {}

    def reset(self) -> None:
        """Forget everything (a replay starts from the first message)."""
        self._seen.clear()
        self._staged = {}

    def _one(self, body: bytes, at: datetime) -> Verdict:
        try:
            event = decode_event(orjson.loads(body))
        except orjson.JSONDecodeError as err:
            return Refused(f"undecodable: {err}")
        except Exception as err:
            return Refused(f"invalid event: {err}")
        if event.occurred_at.tzinfo is None:
            return Refused(f"invalid event: {event.event_id}: occurred_at has no time zone")
        if event.occurred_at > at + self.max_future_skew:
            return Refused(f"invalid event: {event.event_id}: occurred_at is in the future")
        digest = bytes.fromhex(event_fingerprint(event))[:16]
        known = self._staged.get(event.event_id) or self._seen.get(event.event_id)
        if known is not None:
            if known != digest:
                return Refused(f"conflict: {event.event_id} was received with other content")
            return None
        self._staged[event.event_id] = digest
        return event


def slot_of(event: Event, slots: int) -> int:
    """The worker slot that decides ``event``: a stable hash of its line owner (or subject).

    Every event of one account or enterprise goes to one slot, so its credit lines are
    written by one worker in stream order.

    >>> from datetime import datetime, timezone
    >>> from decimal import Decimal
    >>> from riskline.events.types import Payment
    >>> e = Payment(event_id="e1", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...             account_id="a1", merchant_id="m1", amount=Decimal("1"))
    >>> slot_of(e, 1), slot_of(e, 4) == slot_of(e, 4)
    (0, True)
    """
    key = owner_of(event) or event.subject
    return zlib.crc32(key.encode()) % slots
