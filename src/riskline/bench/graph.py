"""Benchmark of the online graph: per-event update latency and memory at ``n_edges`` links.

Run: ``python -c "from riskline.bench.graph import run; print(run())"``. A synthetic
portfolio (logins, payments, transfers, drawdowns over a population sized to the target)
is fed event by event; latency is timed per ``observe`` call while the graph holds at
least 90% of the target links, as wall time and as the thread's CPU time (the latter
is unaffected by other processes preempting this one on a shared machine), and memory
is the resident-set growth.

>>> r = run(n_edges=2_000, sample=200)
>>> r["links"] >= 2_000, r["observe_p99_us"] > 0
(True, True)
"""

from __future__ import annotations

import gc
import itertools
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from riskline.events.types import Event, LoanDrawdown, Login, Payment, Product, Transfer
from riskline.graph.features import features_for
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import GraphConfig

__all__ = ["run", "synthetic_events"]

_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _pick(rnd: random.Random, own: int, population: int, stray: float) -> int:
    return rnd.randrange(population) if rnd.random() < stray else own


def synthetic_events(n_accounts: int, seed: int = 7) -> Iterator[Event]:
    """An endless, deterministic stream of graph-relevant events over ``n_accounts``.

    Accounts mostly use their own device and IP (10% strays), merchant popularity is
    Pareto-distributed, transfers go to random accounts.
    """
    rnd = random.Random(seed)
    n_merchants = max(10, n_accounts // 40)
    for i in itertools.count(1):
        k = rnd.randrange(n_accounts)
        eid, at, acct = f"e{i}", _T0 + timedelta(seconds=i), f"a{k}"
        device = f"d{_pick(rnd, k * 2 // 3, n_accounts, 0.1)}"
        r = rnd.random()
        if r < 0.4:
            ip = f"ip{_pick(rnd, k // 3, n_accounts, 0.1)}"
            yield Login(event_id=eid, occurred_at=at, account_id=acct, device_id=device, ip=ip)
        elif r < 0.8:
            m = f"m{int(rnd.paretovariate(1.2)) % n_merchants}"
            yield Payment(
                event_id=eid, occurred_at=at, account_id=acct, merchant_id=m,
                amount=Decimal(50), device_id=device,
            )  # fmt: skip
        elif r < 0.95:
            to = f"a{rnd.randrange(n_accounts)}"
            yield Transfer(
                event_id=eid, occurred_at=at, account_id=acct, to_account_id=to, amount=Decimal(20)
            )
        else:
            card = f"c{_pick(rnd, k, n_accounts, 0.05)}"
            yield LoanDrawdown(
                event_id=eid, occurred_at=at, account_id=acct, product=Product.CASH_LOAN,
                amount=Decimal(500), card_hash=card,
            )  # fmt: skip


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _fill(
    g: LinkGraph, stream: Iterator[Event], n_edges: int, sample: int, freeze_gc: bool
) -> tuple[list[float], list[float]]:
    """Observe events until the target; time each (wall and CPU) once the graph is near it."""
    timings: list[float] = []
    cpu: list[float] = []
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for i in itertools.count(1):
        if g.n_links >= n_edges and len(timings) >= sample:
            break
        if i % 100_000 == 0:
            g.expire()  # the periodic maintenance a service runs (not timed)
            if freeze_gc:
                gc.freeze()  # long-lived graph objects leave the collector's generations
        event = next(stream)
        start, cpu_start = clock(), cpu_clock()
        g.observe(event)
        elapsed, cpu_elapsed = clock() - start, cpu_clock() - cpu_start
        if g.n_links >= 0.9 * n_edges:
            timings.append(elapsed / 1000.0)
            cpu.append(cpu_elapsed / 1000.0)
    return timings, cpu


def _feature_latency(g: LinkGraph, stream: Iterator[Event], n: int) -> list[float]:
    """Thread CPU time (µs) of ``features_for`` on fresh events."""
    timings: list[float] = []
    for _ in range(n):
        event = next(stream)
        g.observe(event)
        start = time.thread_time_ns()
        features_for(g, event)
        timings.append((time.thread_time_ns() - start) / 1000.0)
    return timings


def run(
    n_edges: int = 1_000_000, sample: int = 100_000, seed: int = 7, freeze_gc: bool = True
) -> dict[str, float]:
    """Fill a graph to ``n_edges`` links; return latency percentiles (µs) and memory (MB).

    ``freeze_gc`` moves the graph's long-lived objects out of the cyclic collector at each
    maintenance step (``gc.freeze()``), as a service holding the graph should; without it
    full collections over millions of objects cause multi-second pauses.
    """
    gc.collect()
    before = _rss_bytes()
    g = LinkGraph(GraphConfig())
    stream = synthetic_events(max(100, n_edges // 6), seed)
    started = time.perf_counter()
    timings, cpu = _fill(g, stream, n_edges, sample, freeze_gc)
    fill_seconds = time.perf_counter() - started
    gc.collect()
    memory = _rss_bytes() - before
    feats = _feature_latency(g, stream, max(100, sample // 20))
    if freeze_gc:
        gc.unfreeze()
    return {
        "links": float(g.n_links),
        "nodes": float(len(g.adj)),
        "events_timed": float(len(timings)),
        "observe_p50_us": _percentile(timings, 0.50),
        "observe_p99_us": _percentile(timings, 0.99),
        "observe_max_us": max(timings),
        "observe_cpu_p50_us": _percentile(cpu, 0.50),
        "observe_cpu_p99_us": _percentile(cpu, 0.99),
        "features_cpu_p50_us": _percentile(feats, 0.50),
        "features_cpu_p99_us": _percentile(feats, 0.99),
        "fill_seconds": fill_seconds,
        "rss_mb": memory / 2**20,
        "bytes_per_link": memory / max(1, g.n_links),
        "gc_frozen": float(freeze_gc),
    }
