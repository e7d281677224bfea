"""Risk propagation: personalised PageRank from flagged entities over joining links.

The restart distribution is uniform over the flagged seeds; dangling nodes return
their mass to the seeds (the rustworkx/networkx convention, so the batch job agrees).
Mass never leaves the components that hold a seed, so only those are computed.
``risk = min(1, ppr / max seed ppr)``: the strongest seed scores 1 and risk decays
with distance and with the degree of the nodes in between.

>>> from riskline.graph.linkgraph import LinkGraph
>>> from riskline.graph.types import EdgeKind
>>> g = LinkGraph()
>>> _ = g.add_edge(("account", "a1"), ("device", "d1"), EdgeKind.DEVICE, 0.0)
>>> _ = g.add_edge(("account", "a2"), ("device", "d1"), EdgeKind.DEVICE, 0.0)
>>> g.flag("account", "a1", "blocklist")
>>> risk = Propagation().refresh(g)
>>> {k[1]: round(v, 3) for k, v in risk.items()}
{'a1': 1.0, 'a2': 0.566, 'd1': 1.0}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import Node

__all__ = ["Propagation", "personalized_pagerank", "scale_risk"]


def personalized_pagerank(
    nodes: list[Node],
    edges: Iterable[tuple[int, int]],
    seeds: Iterable[int],
    restart: float = 0.15,
    tol: float = 1e-12,
    max_iter: int = 500,
) -> npt.NDArray[np.float64]:
    """PPR over an undirected graph given as index pairs; returns scores summing to 1."""
    n = len(nodes)
    pairs = np.array(list(edges), dtype=np.int64).reshape(-1, 2)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    deg = np.bincount(src, minlength=n).astype(np.float64)
    p = np.zeros(n)
    p[list(seeds)] = 1.0
    p /= p.sum()
    dangling = deg == 0
    safe = np.where(dangling, 1.0, deg)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = np.bincount(dst, weights=(x / safe)[src], minlength=n)
        new = (1.0 - restart) * (spread + x[dangling].sum() * p) + restart * p
        done = np.abs(new - x).sum() < n * tol
        x = new
        if done:
            break
    return x


def scale_risk(ppr: float, top_seed: float) -> float:
    """Map a PPR score to 0..1 risk relative to the strongest seed."""
    return min(1.0, ppr / top_seed) if top_seed > 0 else 0.0


class Propagation:
    """Periodic batch over the online graph; ``risk_`` holds the last result."""

    def __init__(self, tol: float = 1e-12, max_iter: int = 500) -> None:
        self.tol = tol
        self.max_iter = max_iter
        self.risk_: dict[Node, float] = {}
        self.ppr_: dict[Node, float] = {}
        self.seeds_ = 0

    def refresh(self, g: LinkGraph) -> Mapping[Node, float]:
        """Recompute risk from the graph's current flags; returns node -> risk."""
        g.rebuild()
        seeds = sorted(g.flags)
        self.seeds_ = len(seeds)
        if not seeds:
            self.risk_, self.ppr_ = {}, {}
            return self.risk_
        roots = {g.components.find(s) for s in seeds}
        nodes = sorted({n for r in roots if r is not None for n in g.components.members[r]})
        index = {node: i for i, node in enumerate(nodes)}
        edges = [
            (index[a], index[b])
            for a in nodes
            for b in g.neighbours(a, g.join_mask)
            if a < b and b in index
        ]
        scores = personalized_pagerank(
            nodes, edges, (index[s] for s in seeds), g.config.restart, self.tol, self.max_iter
        )
        self.ppr_ = dict(zip(nodes, scores.tolist(), strict=True))
        top = max(self.ppr_[s] for s in seeds)
        self.risk_ = {n: scale_risk(v, top) for n, v in self.ppr_.items() if v > 0}
        return self.risk_

    def risk(self, node: Node) -> float:
        """The node's propagated risk at the last refresh (0 if unreached)."""
        return self.risk_.get(node, 0.0)
