"""Decide a time-ordered stream in engine batches while a caller asks one event at a time.

``riskline evaluate`` hands events to a decide callback one by one, in file order. Deciding
each alone costs a transaction per event; this reads ahead up to ``batch`` events from a
second iterator over the same stream, decides them in one engine batch (the engine decides
a batch strictly in order, so decisions are the same) and serves them from a bounded cache.
``process`` is the engine's ``process_batch`` or, to commit through the single writer with
the projections after each batch (the demo), the service's ``ingestor.process``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from riskline.decisioning import BatchResult, RiskView, risk_view
from riskline.decisioning.types import CREDIT_GATE_CODES
from riskline.errors import InvalidInput
from riskline.events import Event, PiiHasher, parse_event

__all__ = ["LookaheadDecider"]


class LookaheadDecider:
    """A ``decide(wire) -> RiskView`` callable that decides ahead in batches."""

    def __init__(
        self,
        process: Callable[[Sequence[Event]], BatchResult],
        hasher: PiiHasher,
        stream: Iterator[dict[str, Any]],
        batch: int = 512,
        passive: frozenset[str] = frozenset(),
    ) -> None:
        """``passive``: reason codes that never change an outcome by themselves (the engine's
        ``passive_codes()``); with only those and credit gates, a decline is a credit one."""
        self.process = process
        self._credit = CREDIT_GATE_CODES | passive
        self.hasher = hasher
        self.stream = stream
        self.batch = batch
        self.counts: Counter[str] = Counter()
        self.decided = 0
        self._ready: dict[str, RiskView] = {}

    def __call__(self, wire: dict[str, Any]) -> RiskView:
        """The decision on ``wire``, which must be the next event of the stream."""
        event_id = str(wire.get("event_id"))
        if event_id not in self._ready:
            self._fill()
        found = self._ready.pop(event_id, None)
        if found is None:
            raise InvalidInput(f"event {event_id} is not the next event of the stream")
        return found

    def _fill(self) -> None:
        events = []
        for wire in self.stream:
            events.append(parse_event(wire, self.hasher))
            if len(events) >= self.batch:
                break
        for d in self.process(events).decisions:
            self.counts[d.outcome.value] += 1
            self._ready[d.event_id] = risk_view(d, self._credit)
        self.decided += len(events)
