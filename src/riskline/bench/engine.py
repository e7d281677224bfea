"""In-process engine throughput: group-committed batches against a commit-per-event baseline."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from riskline.bench.common import percentiles, temp_settings
from riskline.events import Event
from riskline.runtime import build_runtime

__all__ = ["bench_engine"]


def _run(events: Sequence[Event], batch: int) -> dict[str, Any]:
    settings, _ = temp_settings()
    runtime = build_runtime(settings)
    try:
        engine = runtime.engine
        lat: list[float] = []
        started = time.perf_counter()
        for i in range(0, len(events), batch):
            t0 = time.perf_counter_ns()
            result = engine.process_batch(events[i : i + batch])
            per_event = (time.perf_counter_ns() - t0) / 1000 / len(result.decisions)
            lat.extend(d.latency_us for d in result.decisions)
            if batch == 1:
                lat[-1] = per_event
        elapsed = time.perf_counter() - started
        return {
            "events": len(events),
            "batch": batch,
            "events_per_s": round(len(events) / elapsed),
            "decision_us": percentiles(lat),
        }
    finally:
        runtime.close()


def bench_engine(
    events: Sequence[Event], batch: int = 256, baseline_events: int = 2000
) -> dict[str, Any]:
    """Durable SQLite, full default features and policy.

    ``decision_us`` is the engine's own time per decision (features, policy, line
    effects); ``events_per_s`` includes validation of idempotency, the durable
    commit (fsync) and everything else. The baseline commits after every event.
    """
    grouped = _run(events, batch)
    baseline = _run(events[:baseline_events], 1)
    return {"group_commit": grouped, "commit_per_event_baseline": baseline}
