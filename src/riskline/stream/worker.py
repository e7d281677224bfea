"""``riskline worker``: decide one slot's events from the events stream, exactly once.

Per fetched batch (stream order): admit every message (:mod:`admission`); observe the
other slots' events and decide this slot's through one ``Engine.process_batch`` (one
transaction) with the :class:`Interleaver` keeping the global order; record the
decisions' effects in the outbox; publish dead letters; then acknowledge the batch.
Anything failing before the acknowledgement is retried with backoff on the same
messages (state first rebuilt from the stream when it may have moved), so an
acknowledged event is always committed and its effects recorded, and a redelivered one
is recognised by the ledger and only observed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import orjson
from sqlalchemy.exc import DBAPIError

from riskline.decisioning import Decision, decision_id_for
from riskline.errors import Conflict, InvalidInput, Unavailable
from riskline.events import Event
from riskline.runtime import Runtime
from riskline.stream.admission import Admission, Refused, slot_of
from riskline.stream.bridge import JetStream, Received
from riskline.stream.interleave import Interleaver, StreamLedger
from riskline.stream.outbox import Outbox

__all__ = ["Worker", "WorkerStats"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_RETRYABLE = (Unavailable, DBAPIError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class _Applied:
    own: list[tuple[Event, Decision | None]]
    dead: list[tuple[Received, str]]


@dataclass(slots=True)
class WorkerStats:
    """Counts since start."""

    decided: int = 0
    observed: int = 0
    """Events of other slots fed to state without deciding them."""
    replayed: int = 0
    dead: int = 0
    retries: int = 0
    rebuilds: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Worker:
    """One slot of ``slots``; the runtime's engine must use an :class:`Interleaver`."""

    def __init__(
        self,
        runtime: Runtime,
        js: JetStream,
        outbox: Outbox,
        slot: int = 0,
        slots: int = 1,
        batch: int = 256,
        max_backoff: float = 5.0,
        observe: str = "all",
        hooks: Sequence[Callable[[], object]] = (),
        hooks_every: int = 8,
    ) -> None:
        if not 0 <= slot < slots:
            raise InvalidInput(f"slot {slot} is not in 0..{slots - 1}")
        features = _interleaver(runtime.engine.features)
        self.runtime = runtime
        self.engine = runtime.engine
        self.features = features
        self.js = js
        self.outbox = outbox
        self.slot = slot
        self.slots = slots
        self.batch = batch
        self.max_backoff = max_backoff
        if observe not in ("all", "own"):
            raise InvalidInput(f"observe={observe!r}: use all (exact) or own (partitioned)")
        self.observe_all = observe == "all"
        self.hooks = tuple(hooks)
        """Idempotent projections (review cases, notices) run between batches, on this thread."""
        self.hooks_every = hooks_every
        self._since_hooks = 0
        """False: partitioned mode, other slots' events are not observed (see operations.md)."""
        self.consumer = js.names.consumer(slot, slots)
        self.admission = Admission(runtime.settings.max_future_skew)
        self.position = 0
        """Stream sequence up to which engine state has observed everything."""
        self.stats = WorkerStats()
        self.stop = threading.Event()
        self.after_batch: Callable[[], None] | None = None
        features.bind(self.engine)
        self.engine.store = StreamLedger(runtime.store, self._replay)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> int:
        """Rebuild state from the stream up to this slot's ack floor; open the consumer."""
        self.position = self.js.ack_floor(self.consumer) or 0
        replayed = self._rebuild()
        self.js.open_consumer(self.consumer, self.position + 1)
        log.info("worker %s: state rebuilt from %d events", self.consumer, replayed)
        return replayed

    def run(self, idle: float = 0.5) -> None:
        """Process until :attr:`stop` is set."""
        while not self.stop.is_set():
            self.step(idle)

    def step(self, idle: float = 0.5) -> int:
        """Fetch, process and acknowledge one batch; returns its size."""
        msgs = self.js.fetch(self.consumer, self.batch, timeout=idle)
        if not msgs:
            self._run_hooks()
            return 0
        applied = self._retry(lambda: self._apply(msgs), msgs)
        self._retry(lambda: self._effects(applied), msgs)
        if self.after_batch is not None:
            self.after_batch()  # the outbox rows are durable: the relay may start now
        self.js.ack(msgs[-1])
        self._since_hooks += 1
        if len(msgs) < self.batch or self._since_hooks >= self.hooks_every:
            self._run_hooks()
        return len(msgs)

    def _run_hooks(self) -> None:
        """When the stream is drained, or every ``hooks_every`` batches; a failure is retried
        on the next call (the projections keep their own cursors)."""
        self._since_hooks = 0
        for hook in self.hooks:
            try:
                hook()
            except Exception as err:
                log.warning("projection failed, will retry: %s: %s", type(err).__name__, err)

    # -- one batch ----------------------------------------------------------------------
    def _apply(self, msgs: Sequence[Received]) -> _Applied:
        """Bring state to the batch's end; own events with their new decisions, dead letters."""
        verdicts = self.admission.check([m.data for m in msgs], [m.at for m in msgs])
        dead = [
            (m, v.error)
            for m, v in zip(msgs, verdicts, strict=True)
            if isinstance(v, Refused) and m.seq % self.slots == self.slot
        ]
        own = [v for v in verdicts if isinstance(v, Event) and slot_of(v, self.slots) == self.slot]
        known = self.engine.store.find_events([e.event_id for e in own])
        fresh: list[Event] = []
        observed = 0
        for m, v in zip(msgs, verdicts, strict=True):
            if not isinstance(v, Event):
                continue
            if slot_of(v, self.slots) == self.slot and v.event_id not in known:
                self.features.expect(m.seq, v)
                fresh.append(v)
            elif self.observe_all or slot_of(v, self.slots) == self.slot:
                self.features.observe_later(m.seq, v)
                observed += 1
        decisions = self._decide(fresh)
        self.features.settle()
        self.admission.commit()
        self.position = msgs[-1].seq
        self.stats.observed += observed - len(known)
        self.stats.replayed += len(known)
        return _Applied([(e, decisions.get(e.event_id)) for e in own], dead)

    def _decide(self, fresh: list[Event]) -> dict[str, Decision]:
        if not fresh:
            return {}
        try:
            result = self.engine.process_batch(fresh)
        except (InvalidInput, Conflict) as err:
            if self.features.touched or self.engine.needs_rebuild:
                raise
            # Only when something outside the stream wrote the ledger (see docs/operations.md).
            log.error("batch refused by the engine (%s); deciding one by one", err)
            return self._one_by_one(fresh)
        self._count(result.decisions)
        return {d.event_id: d for d in result.decisions}

    def _one_by_one(self, fresh: list[Event]) -> dict[str, Decision]:
        out: dict[str, Decision] = {}
        for e in fresh:
            try:
                d = self.engine.process_batch([e]).decisions[0]
            except (InvalidInput, Conflict) as err:
                self._dead(e.event_id.encode(), f"refused by the engine: {err}", 0)
                continue
            self._count([d])
            out[e.event_id] = d
        return out

    def _count(self, decisions: Sequence[Decision]) -> None:
        self.stats.decided += len(decisions)
        for d in decisions:
            self.stats.outcomes[d.outcome.value] = self.stats.outcomes.get(d.outcome.value, 0) + 1

    def _effects(self, applied: _Applied) -> None:
        """Outbox rows for own decisions (again for redelivered ones), dead letters."""
        decisions = [d for _, d in applied.own if d is not None]
        missing = [decision_id_for(e.event_id) for e, d in applied.own if d is None]
        if missing:
            decisions += list(self.engine.store.get_decisions(missing).values())
        self.outbox.record(decisions)
        for m, error in applied.dead:
            self._dead(m.data, error, m.seq)

    def _dead(self, body: bytes, error: str, seq: int) -> None:
        """Publish to the dead-letter stream (deduplicated by stream sequence)."""
        letter = {"seq": seq, "error": error, "body": body.decode("utf-8", "replace")}
        msg_id = f"dead:{seq}" if seq else f"dead:event:{body.decode('utf-8', 'replace')}"
        self.js.publish_many(
            [(self.js.names.dlq_subject, orjson.dumps(letter), {"Nats-Msg-Id": msg_id})]
        )
        self.stats.dead += 1

    # -- failures -----------------------------------------------------------------------
    def _retry(self, fn: Callable[[], T], msgs: Sequence[Received]) -> T:
        attempt = 0
        while True:
            try:
                return fn()
            except _RETRYABLE as err:
                attempt += 1
                self.stats.retries += 1
                log.warning("batch failed (%s: %s); retry %d", type(err).__name__, err, attempt)
                if self.features.touched or self.engine.needs_rebuild:
                    self._rebuild()
                if self.stop.wait(min(self.max_backoff, 0.1 * 2**attempt)):
                    raise
                for m in msgs[-1:]:
                    self.js.in_progress(m)

    def _rebuild(self) -> int:
        """State from the stream up to :attr:`position` (needs NATS only, not the database)."""
        self.stats.rebuilds += 1
        return self.engine.rebuild()

    def _replay(self) -> Iterator[Event]:
        self.admission.reset()
        for m in self.js.replay(self.js.names.events_stream, until=self.position, batch=2000):
            verdict = self.admission.check([m.data], [m.at])[0]
            self.admission.commit()
            if isinstance(verdict, Event) and (
                self.observe_all or slot_of(verdict, self.slots) == self.slot
            ):
                yield verdict


def _interleaver(features: object) -> Interleaver:
    """The :class:`Interleaver` in the engine's feature source (possibly wrapped, e.g. by the
    consortium signals: wrappers keep the source they wrap in ``inner``)."""
    seen = 0
    while not isinstance(features, Interleaver):
        features = getattr(features, "inner", None)
        seen += 1
        if features is None or seen > 10:
            raise InvalidInput("the worker's engine needs an Interleaver feature source")
    return features
