"""Incremental connected components with per-component statistics.

Union by size with an explicit member list per component, so ``find`` is one dict
look-up and each node is relabelled at most log2(n) times over its life. Deletions
(expired or evicted links) cannot be undone in a union-find, so they mark the
component dirty; :meth:`Components.rebuild` re-splits dirty components by a
traversal of what is left. Between a deletion and the next rebuild a component
may be reported larger than it is (a conservative, never an optimistic, error).

>>> c = Components()
>>> c.union(("account", "a1"), ("device", "d1")); c.union(("account", "a2"), ("device", "d1"))
>>> s = c.stats(("account", "a1"))
>>> s.size, s.by_kind["account"]
(3, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from riskline.graph.types import Node

__all__ = ["ComponentStats", "Components"]


@dataclass(frozen=True, slots=True)
class ComponentStats:
    """Size by node kind, flagged members and total credit exposure of one component."""

    root: Node
    size: int
    by_kind: Mapping[str, int]
    flagged: int
    exposure: float


class Components:
    """Union-find over graph nodes keeping member lists and statistics per root."""

    def __init__(self) -> None:
        self.root: dict[Node, Node] = {}
        self.members: dict[Node, list[Node]] = {}
        self.by_kind: dict[Node, dict[str, int]] = {}
        self.flagged: dict[Node, int] = {}
        self.exposure: dict[Node, float] = {}
        self.dirty: set[Node] = set()

    def add(self, node: Node, flagged: bool = False, exposure: float = 0.0) -> Node:
        """Make ``node`` a singleton component if it is new; return its root."""
        root = self.root.get(node)
        if root is not None:
            return root
        self.root[node] = node
        self.members[node] = [node]
        self.by_kind[node] = {node[0]: 1}
        self.flagged[node] = int(flagged)
        self.exposure[node] = exposure
        return node

    def find(self, node: Node) -> Node | None:
        """The root of the node's component (None if unknown)."""
        return self.root.get(node)

    def union(self, a: Node, b: Node) -> None:
        """Merge the components of ``a`` and ``b``."""
        ra, rb = self.add(a), self.add(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        moved = self.members.pop(rb)
        for node in moved:
            self.root[node] = ra
        self.members[ra].extend(moved)
        kinds = self.by_kind[ra]
        for kind, n in self.by_kind.pop(rb).items():
            kinds[kind] = kinds.get(kind, 0) + n
        self.flagged[ra] += self.flagged.pop(rb)
        self.exposure[ra] += self.exposure.pop(rb)
        if rb in self.dirty:
            self.dirty.discard(rb)
            self.dirty.add(ra)

    def add_flagged(self, node: Node, delta: int) -> None:
        """Count a member becoming flagged (+1) or unflagged (-1)."""
        self.flagged[self.add(node)] += delta

    def add_exposure(self, node: Node, amount: float) -> None:
        """Add credit exposure drawn by a member."""
        self.exposure[self.add(node)] += amount

    def mark_dirty(self, node: Node) -> None:
        """Note that a link inside the node's component went away."""
        root = self.root.get(node)
        if root is not None:
            self.dirty.add(root)

    def stats(self, node: Node) -> ComponentStats:
        """Statistics of the node's component (a singleton if the node is unknown)."""
        root = self.root.get(node)
        if root is None:
            return ComponentStats(node, 1, MappingProxyType({node[0]: 1}), 0, 0.0)
        return ComponentStats(
            root,
            len(self.members[root]),
            MappingProxyType(self.by_kind[root]),
            self.flagged[root],
            self.exposure[root],
        )

    def component(self, node: Node) -> list[Node]:
        """Members of the node's component."""
        root = self.root.get(node)
        return list(self.members[root]) if root is not None else [node]

    def groups(self) -> Iterable[list[Node]]:
        """All components as member lists."""
        return self.members.values()

    def rebuild(
        self,
        joined: Callable[[Node], Iterable[Node]],
        alive: Callable[[Node], bool],
        flagged: Callable[[Node], bool],
        exposure: Callable[[Node], float],
    ) -> int:
        """Re-split dirty components by traversal over ``joined``; returns nodes revisited."""
        dirty, self.dirty = self.dirty, set()
        todo: list[Node] = []
        for root in dirty:
            if root not in self.members:
                continue
            todo.extend(self.members.pop(root))
            del self.by_kind[root], self.flagged[root], self.exposure[root]
        for node in todo:
            del self.root[node]
        for node in todo:
            if alive(node) and node not in self.root:
                self._flood(node, joined, flagged, exposure)
        return len(todo)

    def _flood(
        self,
        start: Node,
        joined: Callable[[Node], Iterable[Node]],
        flagged: Callable[[Node], bool],
        exposure: Callable[[Node], float],
    ) -> None:
        self.add(start, flagged(start), exposure(start))
        stack = [start]
        while stack:
            node = stack.pop()
            for nxt in joined(node):
                if nxt not in self.root:
                    self.add(nxt, flagged(nxt), exposure(nxt))
                    self.union(start, nxt)
                    stack.append(nxt)
