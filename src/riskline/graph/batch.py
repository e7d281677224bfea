"""Batch graph job over a whole portfolio with rustworkx: components and propagation.

Computes from a list of events what the online path computes incrementally (the
same links, the same joining kinds, the same PageRank convention), so the two can
be checked against each other. No expiry or degree cap is applied here.

>>> from datetime import datetime, timezone
>>> from riskline.events import Login
>>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> evs = [Login(event_id=f"e{i}", occurred_at=t, account_id=f"a{i}", device_id="d1")
...        for i in range(2)]
>>> res = run_batch(evs, flags=[("account", "a0")])
>>> sorted(len(c) for c in res.components), round(res.risk[("account", "a0")], 3)
([3], 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import rustworkx as rx

from riskline.events.types import Event
from riskline.graph.extract import edges_from
from riskline.graph.propagation import scale_risk
from riskline.graph.types import GraphConfig, Node

__all__ = ["BatchResult", "run_batch"]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Components (as frozensets of nodes), raw PPR and 0..1 risk per node."""

    components: tuple[frozenset[Node], ...]
    ppr: dict[Node, float]
    risk: dict[Node, float]


def _build(events: Iterable[Event], flags: Iterable[Node], config: GraphConfig) -> rx.PyGraph:
    graph: rx.PyGraph = rx.PyGraph(multigraph=False)
    index: dict[Node, int] = {}

    def node(n: Node) -> int:
        if n not in index:
            index[n] = graph.add_node(n)
        return index[n]

    for event in events:
        for a, b, kind, _ in edges_from(event):
            if a == b:
                continue  # self-loops are no links, online or here
            ia, ib = node(a), node(b)
            if kind in config.join_kinds:
                graph.add_edge(ia, ib, None)
    for f in flags:
        node(f)
    return graph


def _propagate(graph: rx.PyGraph, seeds: list[int], config: GraphConfig) -> dict[Node, float]:
    if not seeds:
        return {}
    directed = graph.to_directed()
    personal = {i: 1.0 / len(seeds) for i in seeds}
    scores = rx.pagerank(
        directed, alpha=1.0 - config.restart, personalization=personal, tol=1e-13, max_iter=1000
    )
    return {graph[i]: float(v) for i, v in scores.items()}


def run_batch(
    events: Iterable[Event], flags: Iterable[Node] = (), config: GraphConfig | None = None
) -> BatchResult:
    """Build the portfolio graph, its connected components and propagated risk."""
    config = config or GraphConfig()
    flags = sorted(set(flags))
    graph = _build(events, flags, config)
    comps = tuple(frozenset(graph[i] for i in c) for c in rx.connected_components(graph))
    seeds = [i for i in graph.node_indices() if graph[i] in set(flags)]
    ppr = _propagate(graph, seeds, config)
    top = max((ppr[graph[i]] for i in seeds), default=0.0)
    risk = {n: scale_risk(v, top) for n, v in ppr.items() if v > 1e-12}
    return BatchResult(comps, ppr, risk)
