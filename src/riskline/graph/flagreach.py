"""Lower bounds on every node's distance to the nearest flagged node, kept as links arrive.

The flag features (``graph.flagged_neighbours``, ``graph.blocklist_distance``) look at most
``reach`` hops around the subject over joining links. Most subjects of a component that holds
a flag are much farther than that from it, and a search around them finds nothing.
:class:`FlagReach` keeps, for the nodes within ``reach`` hops of a flag, a lower bound of that
distance, so the feature code skips the search for every other node and the answer is the
same.

The bounds stay lower bounds through every change of the graph: a new joining link or a new
flag can only bring nodes nearer, and relaxing from the link's or the flag's ends (a
breadth-first pass over what got nearer, to ``reach`` hops) lowers every bound that must
drop; a removed link or flag can only take nodes farther, so the old bounds still hold (they
only make a search run that finds nothing). :meth:`FlagReach.reset` computes exact distances
again (after expiry, when links or flags went away since the last reset).

>>> jadj = {("account", "a"): {}, ("device", "d"): {}}
>>> r = FlagReach(jadj, reach=3)
>>> r.seed(("account", "a"))
>>> r.bound(("device", "d"))
4
>>> jadj[("account", "a")][("device", "d")] = jadj[("device", "d")][("account", "a")] = None
>>> r.joined(("account", "a"), ("device", "d"))
>>> r.bound(("device", "d"))
1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from riskline.graph.types import Node

__all__ = ["FlagReach"]

_NONE: Mapping[Node, object] = {}


class FlagReach:
    """Distance lower bounds to the nearest flag, up to ``reach`` hops (``reach + 1``: farther).

    ``jadj`` is the graph's joining adjacency (node -> neighbour -> link), read, never written.
    """

    __slots__ = ("dist", "jadj", "reach", "stale")

    def __init__(self, jadj: Mapping[Node, Mapping[Node, object]], reach: int) -> None:
        self.jadj = jadj
        self.reach = reach
        self.dist: dict[Node, int] = {}
        """Nodes possibly within ``reach`` hops of a flag, with a lower bound of the distance."""
        self.stale = False
        """Whether a link or flag went away since the last :meth:`reset` (bounds may be low)."""

    def bound(self, node: Node) -> int:
        """A lower bound of the node's distance to a flag (``reach + 1``: none within reach)."""
        return self.dist.get(node, self.reach + 1)

    def seed(self, node: Node) -> None:
        """A node became flagged: it and its surroundings are now near a flag."""
        self._lower(node, 0)

    def joined(self, a: Node, b: Node) -> None:
        """A joining link between ``a`` and ``b`` was added (or refreshed)."""
        far = self.reach + 1
        da, db = self.dist.get(a, far), self.dist.get(b, far)
        if da + 1 < db:
            self._lower(b, da + 1)
        elif db + 1 < da:
            self._lower(a, db + 1)

    def _lower(self, start: Node, d: int) -> None:
        """Set ``start``'s bound to ``d`` if lower, and relax breadth-first from it."""
        dist, jadj, reach = self.dist, self.jadj, self.reach
        if d > reach or dist.get(start, reach + 1) <= d:
            return
        dist[start] = d
        frontier = [start]
        while frontier and d < reach:
            d += 1
            nxt: list[Node] = []
            for node in frontier:
                for other in jadj.get(node, _NONE):
                    if dist.get(other, reach + 1) > d:
                        dist[other] = d
                        nxt.append(other)
            frontier = nxt

    def reset(self, flagged: Iterable[Node]) -> None:
        """Exact distances again, from the flagged nodes over the current links."""
        self.dist = {}
        self.stale = False
        for node in flagged:
            self._lower(node, 0)
