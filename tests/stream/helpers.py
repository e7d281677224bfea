"""Helpers of the stream tests: the single-process reference run and decision comparison."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from riskline.config import Settings
from riskline.decisioning import Decision, decision_id_for
from riskline.events import Event
from riskline.runtime import build_runtime
from riskline.storage import SqlStore, connect
from riskline.stream import JetStream, StreamNames, WorkerProcess, start_worker
from tests.conftest import SECRET


def settings_for(url: str, tmp: Path) -> Settings:
    """Settings on ``url`` with no model registry (the same for every run of a test)."""
    return Settings(database_url=url, pii_secret=SECRET, model_dir=tmp / "no-models")


def reference_run(settings: Settings, events: Sequence[Event], batch: int = 256) -> None:
    """The single-process run: one engine deciding ``events`` in order, batch by batch."""
    runtime = build_runtime(settings, replay=False)
    try:
        for i in range(0, len(events), batch):
            runtime.engine.process_batch(events[i : i + batch])
    finally:
        runtime.close()


def decisions_of(url: str, events: Iterable[Event]) -> dict[str, Decision]:
    """Stored decisions by event id."""
    db = connect(url)
    try:
        found = SqlStore(db).get_decisions([decision_id_for(e.event_id) for e in events])
    finally:
        db.dispose()
    return {d.event_id: d for d in found.values()}


def comparable(d: Decision) -> tuple[Any, ...]:
    """What must be equal between runs (not timing: decided_at, latency)."""
    return (
        d.outcome,
        d.reason_codes,
        d.actions,
        dict(d.features),
        dict(d.scores),
        d.shadow,
    )


def run_workers(
    settings: Settings, nats_url: str, names: StreamNames, slots: int, until_seq: int,
    batch: int = 97, timeout: float = 600.0,
) -> list[WorkerProcess]:  # fmt: skip
    """``slots`` workers on threads until each consumed the stream up to ``until_seq``."""
    procs = [start_worker(settings, nats_url, names, k, slots, batch) for k in range(slots)]
    threads = [threading.Thread(target=p.worker.run, args=(0.2,), daemon=True) for p in procs]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    try:
        while any(p.worker.position < until_seq for p in procs):
            if time.monotonic() > deadline:
                raise TimeoutError([p.worker.position for p in procs])
            time.sleep(0.1)
    finally:
        for p in procs:
            p.worker.stop.set()
        for t in threads:
            t.join(timeout=60)
    return procs


def wait_relayed(js: JetStream, n: int, timeout: float = 60.0) -> int:
    """Until the decisions stream holds ``n`` messages; returns how many it holds."""
    deadline = time.monotonic() + timeout
    while (got := js.last_seq(js.names.decisions_stream)) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    return got
