"""Group commit: one writer thread decides and commits events for every caller.

Concurrent callers (HTTP requests, the CLI) submit batches; the writer drains
whatever is waiting, decides it all in one engine batch and one database
transaction, then answers each caller. A caller is answered only after its
events are committed (durable before acknowledged). When the combined batch is
refused before anything changed (a conflicting replay, a future timestamp), each
caller's batch is retried alone so one bad request never fails its neighbours. After the
first batch of a group arrives the writer lingers ``linger`` seconds (2 ms) for more, so
concurrent single-event requests share one commit instead of paying an fsync each.

After a committed group (or ``call``) the writer runs its ``after_commit`` hooks (projections
such as review cases and user notices) at once if they last ran ``hooks_interval`` seconds ago or
more; otherwise once nothing has arrived for ``hooks_idle`` seconds, or at the latest after
``hooks_every`` groups. Under steady load the clients answered by one group send the next within
a millisecond, so "nothing waiting right after the commit" was true after nearly every group and
projecting cost the writer as much as deciding (docs/benchmarks.md, issue 18); now a busy writer
projects a few times a second over several groups at once, and a quiet one right after each
commit. A failing hook is logged and simply runs again next time, so hooks must be idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from riskline.decisioning import BatchResult, Engine
from riskline.errors import Conflict, InvalidInput, RisklineError, Unavailable
from riskline.events import Event

__all__ = ["Ingestor"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP = object()


@dataclass(slots=True)
class _Job:
    events: Sequence[Event]
    future: Future[BatchResult]


@dataclass(slots=True)
class _Call:
    fn: Callable[[], Any]
    future: Future[Any]


class Ingestor:
    """The single writer in front of an :class:`Engine`."""

    def __init__(self, engine: Engine, max_group_events: int = 1024, linger: float = 0.002) -> None:
        self.engine = engine
        self.max_group_events = max_group_events
        self.linger = linger
        self.groups = 0
        self.grouped_requests = 0
        self.after_commit: list[Callable[[], object]] = []
        """Run on the writer thread after groups and calls; errors are logged, retried."""
        self.hooks_every = 16
        self.hooks_interval = 0.1
        self.hooks_idle = 0.02
        self._hooks_ran = -math.inf  # monotonic time the hooks last finished
        self._skipped = 0  # groups or calls committed since the hooks last ran
        self._queue: queue.Queue[_Job | _Call | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="riskline-writer", daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[Event]) -> Future[BatchResult]:
        """Queue a batch; the future resolves once it is committed."""
        fut: Future[BatchResult] = Future()
        if not events:
            fut.set_result(BatchResult((), ()))
            return fut
        if not self._thread.is_alive():
            raise Unavailable("the writer has stopped")
        self._queue.put(_Job(events, fut))
        return fut

    def call(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` on the writer thread, between batches (other writes, e.g. analyst actions)."""
        fut: Future[T] = Future()
        self._queue.put(_Call(fn, fut))
        return fut

    async def call_async(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the writer thread and await its result."""
        return await asyncio.wrap_future(self.call(fn))

    def process(self, events: Sequence[Event]) -> BatchResult:
        """Submit and wait."""
        return self.submit(events).result()

    async def process_async(self, events: Sequence[Event]) -> BatchResult:
        """Submit and await without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(events))

    def close(self) -> None:
        """Finish queued work and stop the writer."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.hooks_idle if self._skipped else None)
            except queue.Empty:  # idle: bring the projections up now
                self._run_hooks()
                continue
            if item is None:
                self._finish()
                return
            if isinstance(item, _Call):
                _run_call(item)
                self._after_commit()
                continue
            jobs, carry = self._gather(item)
            self._group(jobs)
            self._after_commit()
            if isinstance(carry, _Call):
                _run_call(carry)
                self._after_commit()
            elif carry is _STOP:
                self._finish()
                return

    def _finish(self) -> None:
        if self._skipped:  # what was committed last is projected before the writer stops
            self._run_hooks()

    def _after_commit(self) -> None:
        if not self.after_commit:
            return
        recent = time.monotonic() - self._hooks_ran < self.hooks_interval
        if recent and self._skipped < self.hooks_every:
            self._skipped += 1  # project when idle, or after a later group
            return
        self._run_hooks()

    def _run_hooks(self) -> None:
        self._skipped = 0
        for hook in self.after_commit:
            try:
                hook()
            except Exception:  # a projection lagging is no reason to stop deciding
                log.exception("after-commit hook failed; it runs again after the next commit")
        self._hooks_ran = time.monotonic()

    def _gather(self, first: _Job) -> tuple[list[_Job], object]:
        """Take batches arriving within ``linger`` seconds, up to the group size.

        Returns the jobs and what stopped the gathering (a call, the stop mark, or None).
        """
        jobs, size = [first], len(first.events)
        deadline = time.monotonic() + self.linger
        while size < self.max_group_events:
            try:
                nxt = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return jobs, None
            if not isinstance(nxt, _Job):
                return jobs, _STOP if nxt is None else nxt
            jobs.append(nxt)
            size += len(nxt.events)
        return jobs, None

    def _group(self, jobs: list[_Job]) -> None:
        self.groups += 1
        self.grouped_requests += len(jobs)
        if len(jobs) == 1:
            self._one(jobs[0])
            return
        events = [e for j in jobs for e in j.events]
        try:
            result = self.engine.process_batch(events)
        except (InvalidInput, Conflict):
            for j in jobs:
                self._one(j)
            return
        except Exception as err:
            self._recover(err)
            for j in jobs:
                j.future.set_exception(_as_unavailable(err))
            return
        start = 0
        for j in jobs:
            end = start + len(j.events)
            j.future.set_result(
                BatchResult(result.decisions[start:end], result.replayed[start:end])
            )
            start = end

    def _one(self, job: _Job) -> None:
        try:
            job.future.set_result(self.engine.process_batch(job.events))
        except (InvalidInput, Conflict) as err:
            job.future.set_exception(err)
        except Exception as err:
            self._recover(err)
            job.future.set_exception(_as_unavailable(err))

    def _recover(self, err: Exception) -> None:
        log.error("batch failed, rebuilding engine state from the ledger: %s", type(err).__name__)
        if self.engine.needs_rebuild:
            try:
                self.engine.rebuild()
            except Exception:  # the database may still be down; retried on the next batch
                log.exception("rebuild failed; will retry")


def _as_unavailable(err: Exception) -> RisklineError:
    return (
        err
        if isinstance(err, RisklineError)
        else Unavailable(f"processing failed: {type(err).__name__}")
    )


def _run_call(call: _Call) -> None:
    try:
        call.future.set_result(call.fn())
    except Exception as err:
        call.future.set_exception(err)
