"""Shared pieces of the benchmarks: a sample event stream, percentiles, a throwaway runtime."""

from __future__ import annotations

import os
import platform
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from riskline.config import Settings
from riskline.events import Event, PiiHasher, parse_event

__all__ = [
    "BENCH_SECRET",
    "free_port",
    "machine",
    "percentiles",
    "sample_events",
    "temp_settings",
]

BENCH_SECRET = "bench-secret-0123456789"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_events(n: int, seed: int = 11) -> tuple[list[dict[str, Any]], list[Event]]:
    """The first ``n`` events of a simulated world (time-ordered): wire dicts and parsed events."""
    from riskline.sim import WorldConfig, iter_events

    persons = max(200, n // 12)
    hasher = PiiHasher(BENCH_SECRET.encode())
    wires: list[dict[str, Any]] = []
    for wire in iter_events(WorldConfig.small(persons=persons, days=30, seed=seed)):
        wires.append(wire)
        if len(wires) >= n:
            break
    return wires, [parse_event(w, hasher) for w in wires]


def percentiles(values_us: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / max of microsecond samples."""
    arr = np.asarray(values_us, dtype=float)
    if arr.size == 0:
        return {"p50_us": float("nan"), "p99_us": float("nan"), "max_us": float("nan")}
    return {
        "p50_us": round(float(np.percentile(arr, 50)), 1),
        "p99_us": round(float(np.percentile(arr, 99)), 1),
        "max_us": round(float(arr.max()), 1),
    }


def temp_settings(**overrides: Any) -> tuple[Settings, Path]:
    """Settings on a fresh SQLite file in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="riskline-bench-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'bench.db'}", pii_secret=BENCH_SECRET, **overrides
    )
    return settings, folder


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "system": platform.platform(),
    }
