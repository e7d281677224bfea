"""Benchmarks of the feature engine (not tests): ``python -m riskline.bench.features [N] [sim]``.

Measures, with the full default catalog, side by side in one run: online update+read events/s
(thread CPU, process CPU and wall time over three fresh engines; the machine may be shared, see
``machine``) and per-event wall latency percentiles, under the runtime's GC thresholds and under
Python's defaults, memory per
entity with state, the point-in-time batch from a Parquet event table and from Python event
objects (checked equal), the replay path on a slice (checked equal), the naive per-event SQL
approach (SQLite) on a slice (every value checked equal), and the first-call time of the
compiled batch kernels with an empty and a warm numba cache."""

from __future__ import annotations

import gc
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from riskline.bench.naive_features import NaiveSqlFeatures
from riskline.bench.synth import generate_history
from riskline.events.types import Event
from riskline.features.batch import compute_batch, compute_batch_replay
from riskline.features.catalog import Catalog
from riskline.features.columnar import compute_batch_columns, write_columns
from riskline.features.default import default_catalog
from riskline.features.frame import event_frame
from riskline.features.online import OnlineFeatures
from riskline.features.stores import MemoryStore
from riskline.features.windows import NATIVE, python_cores

__all__ = ["calibrate", "jit_start", "load_events", "run"]


def load_events(n_events: int, source: str = "synth", seed: int = 0) -> list[Event]:
    """``n_events`` events from the built-in generator or, with ``source="sim"``, the simulator."""
    if source == "sim":
        from riskline.events import PiiHasher, parse_event
        from riskline.sim import WorldConfig, iter_events

        hasher = PiiHasher(b"bench-secret")
        cfg = WorldConfig.small(persons=max(2000, n_events // 40), days=60, seed=seed)
        return [parse_event(d, hasher) for d in itertools.islice(iter_events(cfg), n_events)]
    return generate_history(n_events, seed=seed, n_accounts=max(200, n_events // 25))


def _pct(xs: list[int], q: float) -> float:
    """The ``q`` quantile of sorted nanoseconds, in milliseconds."""
    return round(xs[min(len(xs) - 1, math.ceil(len(xs) * q))] / 1e6, 4)


RUNTIME_GC = (50_000, 50, 100)
"""The collector thresholds :func:`riskline.runtime.build_runtime` sets for Riskline processes."""


@contextmanager
def _gc_mode(mode: str) -> Iterator[None]:
    """The runtime's collector thresholds (``runtime``), Python's (``default``) or none."""
    before = gc.get_threshold()
    gc.collect()
    if mode == "off":
        gc.disable()
    elif mode == "runtime":
        gc.set_threshold(*RUNTIME_GC)
    try:
        yield
    finally:
        gc.enable()
        gc.set_threshold(*before)


def _online(
    catalog: Catalog, events: list[Event], gc_mode: str = "runtime", repeats: int = 3
) -> dict[str, Any]:
    """Online update+read: throughput over ``repeats`` fresh engines, then latency.

    Throughput passes time the whole loop only: reading the thread CPU clock costs about
    0.7 µs per call on this VM, which per-event timing would add to every event. The latency
    pass, on one more fresh engine, reads the wall clock (``perf_counter_ns``, ~0.1 µs)
    around each event.
    """
    runs = []
    for _ in range(repeats):
        online = OnlineFeatures(catalog, MemoryStore(), sweep_every=0)
        with _gc_mode(gc_mode):
            cpu0, wall0, pcpu0 = time.thread_time(), time.perf_counter(), time.process_time()
            for e in events:
                online.process(e)
            cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
            pcpu = time.process_time() - pcpu0
        runs.append((len(events) / cpu, len(events) / pcpu, len(events) / wall))
    online = OnlineFeatures(catalog, MemoryStore(), sweep_every=0)
    lat = []
    clock = time.perf_counter_ns
    with _gc_mode(gc_mode):
        for e in events:
            t = clock()
            online.process(e)
            lat.append(clock() - t)
    lat.sort()
    cpu_rates = sorted(round(r[0]) for r in runs)
    return {
        "events": len(events),
        "features": len(catalog),
        "gc": gc_mode,
        "events_per_s_cpu_runs": [round(r[0]) for r in runs],
        "events_per_s_cpu_median": cpu_rates[len(cpu_rates) // 2],
        "events_per_s_cpu_best": cpu_rates[-1],
        "events_per_s_process_cpu_median": round(statistics.median(r[1] for r in runs)),
        "events_per_s_wall_median": round(statistics.median(r[2] for r in runs)),
        "p50_ms": _pct(lat, 0.5),
        "p99_ms": _pct(lat, 0.99),
        "p999_ms": _pct(lat, 0.999),
        "entities": len(online.store) if isinstance(online.store, MemoryStore) else None,
    }


def _memory(catalog: Catalog, events: list[Event]) -> dict[str, Any]:
    gc.collect()
    tracemalloc.start()
    online = OnlineFeatures(catalog, MemoryStore(), sweep_every=0)
    for e in events:
        online.process(e)
    gc.collect()
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store = online.store
    n = len(store) if isinstance(store, MemoryStore) else 1
    return {"events": len(events), "entities": n, "bytes_per_entity": round(used / n)}


def _batch(catalog: Catalog, events: list[Event], replay_events: int) -> dict[str, Any]:
    """Columnar (Parquet) batch, batch from Python events, the extraction alone, replay slice.

    CPU is process time: polars and numpy may use both cores, so it can exceed wall time. The
    Parquet batch is timed twice: in this process (after the online runs, with their garbage
    and the event objects still on the heap) and in a fresh process, as a batch job runs.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        write_columns(catalog, events, path)
        fresh = _batch_fresh_process(path, len(events))
        compute_batch_columns(catalog, path)  # warm-up: numba cache load, polars init
        runs = []
        for _ in range(3):  # the best of three (the machine is shared)
            gc.collect()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            cols = compute_batch_columns(catalog, path)
            runs.append((time.process_time() - cpu0, time.perf_counter() - wall0))
        col_cpu, col_wall = min(c for c, _ in runs), min(w for _, w in runs)
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    df = compute_batch(catalog, events)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    c0 = time.process_time()
    event_frame(catalog, events)
    extract = time.process_time() - c0
    head = events[:replay_events]
    c0 = time.process_time()
    slow = compute_batch_replay(catalog, head)
    replay = time.process_time() - c0
    return {
        "rows": df.height,
        "parquet_events_per_s_cpu_best_of_3": round(len(events) / col_cpu),
        "parquet_events_per_s_wall_best_of_3": round(len(events) / col_wall),
        "parquet_fresh_process_events_per_s_cpu_best_of_5": fresh,
        "parquet_equals_events_path": cols.equals(df),
        "events_per_s_cpu": round(len(events) / cpu),
        "events_per_s_wall": round(len(events) / wall),
        "extraction_cpu_s": round(extract, 3),
        "replay_events": len(head),
        "replay_events_per_s_cpu": round(len(head) / replay),
        "replay_mismatches": _mismatches(slow, df.head(len(head))),
    }


def _batch_fresh_process(path: Path, n_events: int) -> int:
    """Events per CPU-second of ``compute_batch_columns`` on ``path`` in a new interpreter
    (default catalog; one warm-up call, then the best of five)."""
    code = (
        "import sys, time\n"
        "from riskline.features.columnar import compute_batch_columns\n"
        "from riskline.features.default import default_catalog\n"
        "cat, path = default_catalog(), sys.argv[1]\n"
        "compute_batch_columns(cat, path)\n"
        "best = float('inf')\n"
        "for _ in range(5):\n"
        "    t = time.process_time(); compute_batch_columns(cat, path)\n"
        "    best = min(best, time.process_time() - t)\n"
        "print(best)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return round(n_events / float(done.stdout.strip()))


def _mismatches(want: pl.DataFrame, got: pl.DataFrame) -> int:
    return sum(
        1
        for name in want.columns[1:]
        for a, b in zip(want[name].to_list(), got[name].to_list(), strict=True)
        if not ((a is None and b is None) or (a is not None and b is not None and _same(b, a)))
    )


def jit_start(cold: bool) -> float:
    """CPU seconds of a fresh process's first batch kernel calls (``cold``: empty numba cache).

    Imports are not counted; with a warm cache this is loading the compiled code.
    """
    code = (
        "import time; import numpy as np; "
        "from riskline.features.jit import decayed_sums, seg_cummax; "
        "t = time.process_time(); "
        "a = np.zeros(3); k = np.zeros(3, dtype=np.int64); seg_cummax(a, k); seg_cummax(k, k); "
        "decayed_sums(a > 0, a, k, k, k, 5); print(time.process_time() - t)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp} if cold else dict(os.environ)
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return round(float(done.stdout.strip()), 2)


def _naive(catalog: Catalog, events: list[Event]) -> dict[str, Any]:
    online, naive = OnlineFeatures(catalog, sweep_every=0), NaiveSqlFeatures(catalog)
    mismatches, values = 0, 0
    t_online = t_naive = 0.0
    for e in events:
        t0 = time.process_time()
        a = online.process(e)
        t1 = time.process_time()
        b = naive.process(e)
        t_naive += time.process_time() - t1
        t_online += t1 - t0
        values += len(b)
        mismatches += sum(1 for k, v in b.items() if not _same(a.get(k), v))
        mismatches += len(set(a) ^ set(b))
    return {
        "events": len(events),
        "values_compared": values,
        "mismatches": mismatches,
        "naive_events_per_s_cpu": round(len(events) / t_naive, 1),
        "online_events_per_s_cpu": round(len(events) / t_online),
        "speedup": round(t_naive / t_online, 1),
    }


def _same(a: float | None, b: float) -> bool:
    if a is None:
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _python_windows(catalog: Catalog, events: list[Event]) -> dict[str, Any]:
    """The baseline: the same engine on the Python window cores (what runs without a C
    compiler), built and timed the same way in the same process."""
    with python_cores():
        return _online(catalog, events)


def calibrate() -> float:
    """CPU seconds this machine needs for 10 million additions in a Python loop."""
    t0, x = time.process_time(), 0
    for i in range(10_000_000):
        x += i
    return round(time.process_time() - t0, 3)


def run(
    n_events: int = 100_000, naive_events: int = 2_000, source: str = "synth"
) -> dict[str, Any]:
    """Every figure of the feature benchmark for ``n_events`` events."""
    catalog = default_catalog()
    events = load_events(n_events, source)
    return {
        "source": source,
        "python_loop_10M_cpu_s": calibrate(),
        "windows": "compiled" if NATIVE else "python (no C core built)",
        "online": _online(catalog, events),
        "online_python_windows": _python_windows(catalog, events),
        "online_default_gc": _online(catalog, events, gc_mode="default", repeats=1),
        "memory": _memory(catalog, events[: min(len(events), 50_000)]),
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "batch": _batch(catalog, events, min(len(events), 10_000)),
        "naive_sql": _naive(catalog, events[:naive_events]),
        "batch_kernels_first_call_cpu_s": {
            "empty_cache": jit_start(True),
            "cached": jit_start(False),
        },
    }


if __name__ == "__main__":  # pragma: no cover
    args = sys.argv[1:]
    result = run(int(args[0]) if args else 100_000, source=args[1] if len(args) > 1 else "synth")
    print(json.dumps(result, indent=2))
