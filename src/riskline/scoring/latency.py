"""Measure in-process single-row scoring latency (for ``riskline bench``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

__all__ = ["measure_latency"]

T = TypeVar("T")


def measure_latency(
    fn: Callable[[T], object], rows: Sequence[T], *, repeat: int = 2000, warmup: int = 200
) -> dict[str, float]:
    """p50 / p99 / max latency in microseconds of ``fn(row)`` cycling through ``rows``.

    >>> stats = measure_latency(lambda r: r + 1, [1, 2, 3], repeat=50, warmup=5)
    >>> sorted(stats)
    ['max_us', 'p50_us', 'p99_us']
    """
    for i in range(warmup):
        fn(rows[i % len(rows)])
    times = np.empty(repeat, dtype=np.float64)
    for i in range(repeat):
        row = rows[i % len(rows)]
        t0 = time.perf_counter()
        fn(row)
        times[i] = time.perf_counter() - t0
    us = times * 1e6
    return {
        "p50_us": float(np.percentile(us, 50)),
        "p99_us": float(np.percentile(us, 99)),
        "max_us": float(us.max()),
    }
