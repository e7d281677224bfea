"""Rebuild a deployment's shared state from the ledger, and attach a starting process to it.

:func:`rebuild` is the answer to "Redis was flushed" (or restarted without persistence, or
evicted keys): it takes the namespace's rebuild lock, removes the ready marker (every
process now refuses feature writes with ``Unavailable``: fail closed), waits ``grace``
seconds for batches already past that check, deletes the namespace's feature and graph keys,
replays the ``events`` table in ledger order through the engine's own replay
(``Engine.rebuild``), and writes the ready marker with the number of events replayed.

:func:`attach` is what a starting process does instead of replaying into shared state: when
the namespace is ready it replays the ledger with the Redis adapters in ``skip`` mode (only
the engine's own maps, person of each account, are rebuilt); when it is not, it rebuilds.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from riskline.errors import Conflict, Unavailable
from riskline.state.shared import Mode, SharedState

__all__ = ["RebuildReport", "Replayable", "attach", "rebuild"]


class Replayable(Protocol):
    """What a rebuild needs of the engine: reset its sources and replay the ledger."""

    def rebuild(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What a rebuild did."""

    namespace: str
    keys_deleted: int
    events: int
    seconds: float


def rebuild(
    engine: Replayable, shared: SharedState, grace: float = 2.0, lock_seconds: int = 6 * 3600
) -> RebuildReport:
    """Flush this namespace's features and graph and replay the ledger into them."""
    owner = f"rebuild:{uuid.uuid4().hex}"
    if not shared.lock(owner, lock_seconds):
        raise Conflict(f"a rebuild of {shared.namespace!r} is already running")
    started = time.perf_counter()
    try:
        shared.mark_stale()
        time.sleep(grace)
        deleted = shared.flush("f") + shared.flush("g")
        shared.mode = Mode.REBUILD
        events = engine.rebuild()
        at = datetime.now(UTC).isoformat()
        shared.mark_ready({"events": events, "rebuilt_at": at})
    finally:
        shared.mode = Mode.LIVE
        shared.unlock(owner)
    return RebuildReport(shared.namespace, deleted, events, time.perf_counter() - started)


def attach(engine: Replayable, shared: SharedState, wait: float = 6 * 3600) -> int:
    """Join a ready namespace (replay in skip mode), or rebuild it; returns events replayed."""
    if not shared.wait_unlocked(wait):
        raise Unavailable(f"shared state {shared.namespace!r} is being rebuilt; retry later")
    if shared.ready() is None:
        try:
            return rebuild(engine, shared).events
        except Conflict:  # another process started the rebuild first: join when it is done
            if not shared.wait_unlocked(wait):
                raise Unavailable(f"shared state {shared.namespace!r} is being rebuilt") from None
    shared.mode = Mode.SKIP
    try:
        return engine.rebuild()
    finally:
        shared.mode = Mode.LIVE
