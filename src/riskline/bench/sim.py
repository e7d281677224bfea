"""Benchmark of the simulator: wall time, events per second and peak memory."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from riskline.sim.config import WorldConfig
from riskline.sim.simulate import simulate

__all__ = ["bench_simulator"]


def bench_simulator(persons: int = 100_000, days: int = 90, seed: int = 7) -> dict[str, Any]:
    """Generate a world into a temporary directory and report how long it took."""
    config = WorldConfig(persons=persons, days=days, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        summary = simulate(config, Path(tmp))
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "persons": persons,
        "days": days,
        "events": summary.events,
        "seconds": round(seconds, 2),
        "events_per_second": round(summary.events / seconds),
        "bytes_written": size,
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
