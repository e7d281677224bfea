"""Neighbourhood views of an entity for the analyst console.

>>> from riskline.graph.linkgraph import LinkGraph
>>> from riskline.graph.types import EdgeKind
>>> g = LinkGraph()
>>> _ = g.add_edge(("account", "a1"), ("device", "d1"), EdgeKind.DEVICE, 0.0)
>>> _ = g.add_edge(("account", "a2"), ("device", "d1"), EdgeKind.DEVICE, 0.0)
>>> v = neighbourhood(g, ("account", "a1"), depth=1)
>>> [n.node for n in v.nodes], len(v.edges)
([('account', 'a1'), ('device', 'd1')], 1)
"""

from __future__ import annotations

from collections.abc import Mapping

from riskline.graph.linkgraph import LinkGraph
from riskline.graph.rings import edge_view, rings_for
from riskline.graph.types import GraphView, Node, NodeView

__all__ = ["neighbourhood"]


def _collect(g: LinkGraph, center: Node, depth: int, limit: int) -> tuple[dict[Node, int], bool]:
    seen = {center: 0}
    frontier = [center]
    for d in range(1, depth + 1):
        nxt: list[Node] = []
        for node in frontier:
            for other in sorted(g.links(node)):
                if other in seen:
                    continue
                if len(seen) >= limit:
                    return seen, True
                seen[other] = d
                nxt.append(other)
        frontier = nxt
    return seen, False


def neighbourhood(
    g: LinkGraph,
    center: Node,
    depth: int = 2,
    limit: int = 200,
    risk: Mapping[Node, float] | None = None,
) -> GraphView:
    """Nodes within ``depth`` hops over any link (at most ``limit``), the links among them."""
    risk = risk or {}
    seen, truncated = _collect(g, center, depth, limit)
    nodes = tuple(
        NodeView(n, float(risk.get(n, 0.0)), tuple(sorted(g.flags.get(n, {}))), d)
        for n, d in sorted(seen.items(), key=lambda item: (item[1], item[0]))
    )
    links = {id(x): x for n in seen for other, x in g.links(n).items() if other in seen}
    edges = tuple(sorted((edge_view(x) for x in links.values()), key=lambda e: (e.src, e.dst)))
    ring_ids = tuple(r.id for r in rings_for(g, center))
    return GraphView(center, nodes, edges, float(risk.get(center, 0.0)), ring_ids, truncated)
