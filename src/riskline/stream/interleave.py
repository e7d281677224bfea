"""Keep one worker's feature and graph state equal to the single-process state.

Every worker observes every admitted event in stream order (the replicated part, cheap
next to deciding) and decides only its own slot's events (models, rules, policy, lines,
the database commit). :class:`Interleaver` wraps the engine's feature source: when the
engine asks for an own event's features, the other slots' events that precede it in the
stream are observed first, so an own event sees exactly the prefix the single process
would have seen, and a whole fetched batch still goes through one ``process_batch`` (one
commit). :class:`StreamLedger` makes ``Engine.rebuild`` replay the events stream (the
global order) instead of the ledger table (commit order across workers).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from riskline.credit import CreditLine
from riskline.decisioning import Batch, Decision, Engine, FeatureSource, StoredEvent
from riskline.events import Event

__all__ = ["Interleaver", "StreamLedger"]


class Interleaver:
    """A :class:`FeatureSource` that slips queued events in before the engine's next one."""

    def __init__(self, inner: FeatureSource) -> None:
        self.inner = inner
        self.engine: Engine | None = None
        self.touched = False
        """Set when state changed since the last :meth:`settle` (a failure then needs a rebuild)."""
        self._queue: deque[tuple[int, Event]] = deque()
        self._position: dict[str, int] = {}
        self._draining = False

    def bind(self, engine: Engine) -> None:
        """The engine whose ``observe`` (features, graph, account owners) queued events go to."""
        self.engine = engine

    def observe_later(self, position: int, event: Event) -> None:
        """Observe ``event`` (not decided here) at stream ``position``."""
        self._queue.append((position, event))

    def expect(self, position: int, event: Event) -> None:
        """``event`` will be decided by the engine; it sits at stream ``position``."""
        self._position[event.event_id] = position

    def drain(self, before: float = float("inf")) -> None:
        """Observe queued events up to (not including) ``before``."""
        if self.engine is None:
            raise RuntimeError("Interleaver.bind(engine) first")
        self._draining = True
        try:
            while self._queue and self._queue[0][0] < before:
                _, event = self._queue.popleft()
                self.touched = True
                # The engine's own observe step (features, graph, account -> person maps),
                # so an observed event changes state exactly as a decided one does.
                self.engine.observe(event)
        finally:
            self._draining = False

    def settle(self) -> None:
        """Everything queued is observed and the batch is durable: start clean."""
        self.drain()
        self._position.clear()
        self.touched = False

    # -- FeatureSource ------------------------------------------------------------------
    def process(self, event: Event) -> Mapping[str, float]:
        """Observe what precedes ``event``, then update with ``event`` and return its values."""
        if not self._draining:
            self.drain(self._position.pop(event.event_id, float("inf")))
        self.touched = True
        return self.inner.process(event)

    def schema(self) -> Mapping[str, str]:
        """The wrapped catalog's schema."""
        return self.inner.schema()

    def reset(self) -> None:
        """Empty state, nothing queued."""
        self.inner.reset()
        self._queue.clear()
        self._position.clear()
        self.touched = False


class StreamLedger:
    """The engine's store, except that replay (``iter_events``) reads the events stream.

    ``replay`` yields the admitted events of the stream up to the worker's position.
    """

    def __init__(self, store: Any, replay: Callable[[], Iterator[Event]]) -> None:
        self.store = store
        self._replay = replay

    def find_events(self, event_ids: Sequence[str]) -> Mapping[str, StoredEvent]:
        """Ledger entries already stored (idempotency is global, across workers)."""
        return self.store.find_events(event_ids)  # type: ignore[no-any-return]

    def get_decisions(self, decision_ids: Sequence[str]) -> Mapping[str, Decision]:
        """Stored decisions by id."""
        return self.store.get_decisions(decision_ids)  # type: ignore[no-any-return]

    def lines_for(self, owner_ids: Iterable[str]) -> Sequence[CreditLine]:
        """Lines of those owners."""
        return self.store.lines_for(owner_ids)  # type: ignore[no-any-return]

    def commit(self, batch: Batch) -> None:
        """One transaction, as the SQL store does it."""
        self.store.commit(batch)

    def iter_events(self) -> Iterator[Event]:
        """The stream's admitted events in stream order (what every worker observed)."""
        return self._replay()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)
