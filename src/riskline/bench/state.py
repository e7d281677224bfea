"""Per-event cost of shared Redis state against the in-process stores, in the same run.

``python -m riskline.bench.state --events 3000`` replays a small simulated world through
(1) the feature engine on the in-process store and on Redis (update + read, atomic per event)
and (2) the link graph in process and in Redis (observe + ``graph.*`` features), and prints
mean / p50 / p99 microseconds per event and the Redis round-trip time for scale. It uses its
own namespace (``rlbench-<random>``) and deletes it afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import uuid
from collections.abc import Callable, Sequence

from riskline.events import Event, PiiHasher, parse_event
from riskline.features import OnlineFeatures, default_catalog
from riskline.graph import GraphConfig, GraphRisk
from riskline.state.redis_features import RedisFeatures
from riskline.state.redis_graph import RedisGraph
from riskline.state.shared import SharedState

__all__ = ["main", "measure"]


def measure(events: Sequence[Event], step: Callable[[Event], object]) -> list[float]:
    """Microseconds ``step`` took for each event."""
    out = []
    for event in events:
        t0 = time.perf_counter_ns()
        step(event)
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def _row(name: str, us: list[float]) -> str:
    q = statistics.quantiles(us, n=100)
    return f"| {name} | {statistics.fmean(us):,.0f} | {q[49]:,.0f} | {q[98]:,.0f} |"


def _graph_step(graph: GraphRisk, every: int) -> Callable[[Event], object]:
    seen = [0]

    def step(event: Event) -> object:
        graph.observe(event)
        seen[0] += 1
        if seen[0] % every == 0:
            graph.expire(event.occurred_at.timestamp())
            graph.refresh()
        return graph.features_for(event)

    return step


def _redis_graph_step(graph: RedisGraph) -> Callable[[Event], object]:
    def step(event: Event) -> object:
        graph.observe(event)
        return graph.features_for(event)

    return step


def main(argv: Sequence[str] | None = None) -> None:
    """Run the comparison and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--persons", type=int, default=300)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = ap.parse_args(argv)
    from riskline import sim

    hasher = PiiHasher(b"bench-secret-0123")
    wire = sim.iter_events(sim.WorldConfig.small(persons=args.persons, days=20, seed=5))
    events = [parse_event(d, hasher) for d in itertools.islice(wire, args.events)]
    shared = SharedState.connect(args.redis_url, f"rlbench-{uuid.uuid4().hex[:10]}")
    shared.mark_ready({"bench": True})
    try:
        ping = measure(events[:500], lambda _: shared.client.ping())
        catalog, config = default_catalog(), GraphConfig(search_budget=500)
        rows = [
            ("features, in-process store", measure(events, OnlineFeatures(catalog).process)),
            (
                "features, Redis (update + read, CAS)",
                measure(events, RedisFeatures(shared, catalog).process),
            ),
            (
                "graph, in-process (observe + features)",
                measure(events, _graph_step(GraphRisk(config), 20_000)),
            ),
            (
                "graph, Redis (observe + features)",
                measure(events, _redis_graph_step(RedisGraph(shared, config))),
            ),
        ]
        print(f"{len(events)} events of WorldConfig.small(persons={args.persons}, days=20, seed=5)")
        print("| path | mean µs/event | p50 | p99 |\n|---|---:|---:|---:|")
        for name, us in rows:
            print(_row(name, us))
        print(_row("Redis PING round trip", ping))
    finally:
        shared.flush()


if __name__ == "__main__":
    main()
