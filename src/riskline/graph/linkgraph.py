"""The online link graph: typed, timestamped links from events, with components and flags.

Memory is bounded two ways: each node keeps at most ``max_degree`` links (the least
recently seen one is evicted, in O(1), since adjacency dicts are kept in recency
order), and non-identity links expire ``ttl_seconds`` after they were last seen.
Expiry is time-bucketed: each link sits in the bucket of its last sighting, and
:meth:`LinkGraph.expire` drops whole buckets, then re-splits only the components
that lost a joining link. The trade-off: windows are exact only to one bucket, and
component stats may over-count until the next ``expire``; the hot path stays O(1).

>>> from datetime import datetime, timezone
>>> from riskline.events import Login
>>> g = LinkGraph()
>>> for i, acct in enumerate(["a1", "a2"]):
...     g.observe(Login(event_id=f"e{i}", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
...                     account_id=acct, device_id="d1"))
>>> g.stats(("account", "a1")).by_kind["account"], g.n_links
(2, 2)
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

from riskline.events.types import EnterpriseRegistered, Event
from riskline.graph.components import Components, ComponentStats
from riskline.graph.enterprise import EnterpriseIndex
from riskline.graph.extract import edges_from, exposure_of
from riskline.graph.flagreach import FlagReach
from riskline.graph.types import MONEY_KINDS, EdgeKind, GraphConfig, Link, Node, kinds_mask

__all__ = ["LinkGraph"]

_NONE: MappingProxyType[Node, Link] = MappingProxyType({})
_OUT_KINDS = MONEY_KINDS | {EdgeKind.OWNS, EdgeKind.MERCHANT_CARD}


class LinkGraph:
    """Typed nodes and aggregated links, union-find components, flags and enterprise roles."""

    def __init__(self, config: GraphConfig | None = None) -> None:
        self.config = config or GraphConfig()
        self.join_mask = kinds_mask(self.config.join_kinds)
        self.sticky_mask = kinds_mask(self.config.sticky_kinds)
        self.adj: dict[Node, dict[Node, Link]] = {}
        self.jadj: dict[Node, dict[Node, Link]] = {}
        """The joining links of ``adj`` alone, in the same (recency) order: searches over
        joining links walk these without testing every link of a busy account."""
        self.nodes: dict[Node, Node] = {}
        self.out: dict[Node, dict[Node, Link]] = {}  # directed index: money and ownership
        self.components = Components()
        self.enterprises = EnterpriseIndex(self.config.control_share)
        self.flags: dict[Node, dict[str, str]] = {}
        self.flag_reach = FlagReach(self.jadj, max(self.config.hops, self.config.distance_cap - 1))
        """Lower bounds of each node's distance to a flag, as far as the flag features look
        (``riskline.graph.flagreach``): the flag search is skipped where nothing is in reach."""
        self.flow_cache: dict[Node, dict[str, float]] = {}
        """Last flow features per subject, refreshed on every money event of that subject."""
        self.exposure: dict[Node, float] = {}
        self.buckets: dict[int, list[Link]] = {}
        self.n_links = 0
        self.bucket_entries = 0
        self.now_ts = 0.0

    def observe(self, event: Event) -> None:
        """Add or refresh the links the event implies."""
        ts = event.occurred_at.timestamp()
        self.now_ts = max(self.now_ts, ts)
        for a, b, kind, amount in edges_from(event):
            self.add_edge(a, b, kind, ts, amount)
        exposed = exposure_of(event)
        if exposed is not None:
            node, amount = exposed
            self.exposure[node] = self.exposure.get(node, 0.0) + amount
            self.components.add_exposure(node, amount)
        if isinstance(event, EnterpriseRegistered):
            self.enterprises.observe(event)

    def add_edge(
        self, a: Node, b: Node, kind: EdgeKind, ts: float, amount: float = 0.0
    ) -> Link | None:
        """Record one edge a -> b of ``kind`` at ``ts`` (epoch seconds); self-loops are not kept."""
        if a == b:
            return None
        a, adj_a = self._node(a)
        b, adj_b = self._node(b)
        link = adj_a.pop(b, None)
        if link is None:
            link = Link(a, b, ts)
            self.n_links += 1
        else:
            del adj_b[a]  # re-insert both ends: adjacency dicts stay in recency order
        adj_a[b] = link
        adj_b[a] = link
        link.add(kind, link.a == a, ts, amount)
        if link.has(self.join_mask):
            for x, y in ((a, b), (b, a)):
                joined = self.jadj.get(x)
                if joined is None:
                    joined = self.jadj[x] = {}
                elif y in joined:
                    del joined[y]
                joined[y] = link
            self.flag_reach.joined(a, b)
        if kind in _OUT_KINDS:
            self.out.setdefault(a, {})[b] = link
        bucket = int(link.last_ts // self.config.bucket_seconds)
        if bucket > link.bucket:
            link.bucket = bucket
            self.buckets.setdefault(bucket, []).append(link)
            self.bucket_entries += 1
        if kind in self.config.join_kinds:
            self.components.union(a, b)
        if len(adj_a) > self.config.max_degree:
            self.remove_link(adj_a[next(iter(adj_a))])
        if len(adj_b) > self.config.max_degree:
            self.remove_link(adj_b[next(iter(adj_b))])
        return link

    def _node(self, node: Node) -> tuple[Node, dict[Node, Link]]:
        """The interned node and its adjacency, creating both (and its component) if new."""
        node = self.nodes.setdefault(node, node)  # one tuple per node, however many links
        nbrs = self.adj.get(node)
        if nbrs is None:
            nbrs = self.adj[node] = {}
            self.components.add(node, node in self.flags, self.exposure.get(node, 0.0))
        return node, nbrs

    def remove_link(self, link: Link) -> None:
        """Drop a link; its component is re-split at the next :meth:`rebuild`."""
        for x, y in ((link.a, link.b), (link.b, link.a)):
            nbrs = self.adj.get(x)
            if nbrs is None or nbrs.get(y) is not link:
                return
            del nbrs[y]
            joined = self.jadj.get(x)
            if joined is not None and joined.pop(y, None) is not None and not joined:
                del self.jadj[x]
            if not nbrs:
                del self.adj[x]
                self.nodes.pop(x, None)
                self.components.mark_dirty(x)
        self.n_links -= 1
        for x, y in ((link.a, link.b), (link.b, link.a)):
            out = self.out.get(x)
            if out is not None and out.pop(y, None) is not None and not out:
                del self.out[x]
        if link.has(self.join_mask):
            self.components.mark_dirty(link.a)
            self.flag_reach.stale = True

    def expire(self, now_ts: float | None = None) -> int:
        """Drop non-identity links last seen before ``now - ttl``; returns links removed."""
        now = self.now_ts if now_ts is None else now_ts
        cutoff = now - self.config.ttl_seconds
        last_bucket = int(cutoff // self.config.bucket_seconds)
        removed = 0
        for bucket in sorted(b for b in self.buckets if b < last_bucket):
            links = self.buckets.pop(bucket)
            self.bucket_entries -= len(links)
            for link in links:
                if link.bucket == bucket and not link.has(self.sticky_mask):
                    present = self._present(link)
                    self.remove_link(link)
                    removed += present
        if self.bucket_entries > 2 * self.n_links + 1024:
            self.compact()
        self.rebuild()
        if self.flag_reach.stale:
            self.flag_reach.reset(self.flags)
        return removed

    def compact(self) -> None:
        """Drop bucket entries of evicted links and of links seen again since (bounded memory)."""
        for bucket, links in list(self.buckets.items()):
            live = [x for x in links if x.bucket == bucket and self._present(x)]
            if live:
                self.buckets[bucket] = live
            else:
                del self.buckets[bucket]
        self.bucket_entries = sum(len(x) for x in self.buckets.values())

    def _present(self, link: Link) -> bool:
        return self.adj.get(link.a, {}).get(link.b) is link

    def rebuild(self) -> int:
        """Re-split components that lost links; returns the nodes revisited."""
        return self.components.rebuild(
            lambda n: self.neighbours(n, self.join_mask),
            lambda n: n in self.adj or n in self.flags,
            lambda n: n in self.flags,
            lambda n: self.exposure.get(n, 0.0),
        )

    def flag(self, kind: str, key: str, reason: str) -> None:
        """Mark an entity as confirmed bad (blocklist, case outcome, freeze)."""
        node = (kind, key)
        reasons = self.flags.setdefault(node, {})
        if not reasons:
            self.components.add(node, False, self.exposure.get(node, 0.0))
            self.components.add_flagged(node, 1)
            self.flag_reach.seed(node)
        reasons[reason] = reason

    def unflag(self, kind: str, key: str, reason: str | None = None) -> None:
        """Remove one reason (or all) from an entity's flags."""
        node = (kind, key)
        reasons = self.flags.get(node)
        if not reasons:
            return
        if reason is None:
            reasons.clear()
        else:
            reasons.pop(reason, None)
        if not reasons:
            del self.flags[node]
            self.components.add_flagged(node, -1)
            self.flag_reach.stale = True

    def is_flagged(self, node: Node) -> bool:
        """Whether the entity carries any flag."""
        return node in self.flags

    def stats(self, node: Node) -> ComponentStats:
        """Statistics of the node's component."""
        return self.components.stats(node)

    def links(self, node: Node) -> dict[Node, Link]:
        """The node's links by neighbour (read-only by convention)."""
        return self.adj.get(node, {})

    def neighbours(self, node: Node, mask: int) -> Iterator[Node]:
        """Neighbours over links carrying a kind in ``mask``, in recency order.

        Kinds that all join components are looked up among the joining links only (a
        merchant's thousands of payment links are never walked to find its devices).
        """
        if mask == self.join_mask:
            yield from self.jadj.get(node, _NONE)
            return
        source = self.jadj if not mask & ~self.join_mask else self.adj
        for other, link in source.get(node, _NONE).items():
            if link.has(mask):
                yield other

    def successors(self, node: Node, mask: int, since: float = 0.0) -> Iterator[tuple[Node, Link]]:
        """Nodes ``node`` sent money to / owns (kinds in ``mask``), links seen since ``since``."""
        for other, link in self.out.get(node, {}).items():
            if link.last_ts >= since and link.out_of(node, mask):
                yield other, link

    def __contains__(self, node: object) -> bool:
        return node in self.adj
