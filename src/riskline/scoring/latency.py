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
    """p50 / p99 / max wall-clock latency (µs) of ``fn(row)`` cycling through ``rows``.

    ``cpu_p50_us`` / ``cpu_p99_us`` count only this thread's CPU time, so they show the cost
    of the code itself when other processes preempt it on a busy machine.

    >>> stats = measure_latency(lambda r: r + 1, [1, 2, 3], repeat=50, warmup=5)
    >>> sorted(stats)
    ['cpu_p50_us', 'cpu_p99_us', 'max_us', 'p50_us', 'p99_us']
    """
    for i in range(warmup):
        fn(rows[i % len(rows)])
    times = np.empty(repeat, dtype=np.float64)
    cpu = np.empty(repeat, dtype=np.float64)
    for i in range(repeat):
        row = rows[i % len(rows)]
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        fn(row)
        times[i] = time.perf_counter_ns() - t0
        cpu[i] = time.thread_time_ns() - c0
    us, cpu_us = times / 1e3, cpu / 1e3
    return {
        "p50_us": float(np.percentile(us, 50)),
        "p99_us": float(np.percentile(us, 99)),
        "max_us": float(us.max()),
        "cpu_p50_us": float(np.percentile(cpu_us, 50)),
        "cpu_p99_us": float(np.percentile(cpu_us, 99)),
    }
