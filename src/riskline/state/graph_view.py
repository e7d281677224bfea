"""A read view of the Redis link graph with the ``LinkGraph`` read interface.

``riskline.graph.features_for`` (and the ring search it calls) reads a graph through a few
methods: ``stats``, ``neighbours``, ``links``, ``successors``, ``flags``, ``enterprises``,
``flow_cache``. :class:`RedisGraphView` answers them from Redis, loading each node's
adjacency once per event (one script call per node), so the very same feature code runs
on the shared graph and the features cannot drift from the in-process ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from riskline.graph import ComponentStats, EnterpriseIndex, EnterpriseLink, GraphConfig, Node, Ring
from riskline.graph.types import Link, kinds_mask
from riskline.state.shared import SharedState

__all__ = ["RedisEnterprises", "RedisGraphView", "node_key", "parse_node"]


def node_key(node: Node) -> str:
    """A node's string form in Redis: ``kind:id``."""
    return f"{node[0]}:{node[1]}"


def parse_node(raw: bytes | str) -> Node:
    """Inverse of :func:`node_key`."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    kind, _, key = text.partition(":")
    return (kind, key)


class RedisEnterprises:
    """Enterprise roles kept in Redis, with the ``EnterpriseIndex`` read interface."""

    def __init__(self, shared: SharedState, prefix: str) -> None:
        self.shared = shared
        self.roles_key = prefix + ":er"
        self.party_prefix = prefix + ":ep:"

    def links_of(self, party: Node) -> list[EnterpriseLink]:
        """Every role the party holds, sorted by enterprise and role."""
        raw = self.shared.call(self.shared.client.hgetall, self.party_prefix + node_key(party))
        found = [_link(row) for rows in raw.values() for row in json.loads(rows)]
        return sorted(found, key=lambda x: (x.enterprise_id, x.role))

    def guarantee_circles(self, control_share: Decimal = Decimal("0.25")) -> list[Ring]:
        """Enterprises guaranteeing each other in a cycle (reads every enterprise's roles)."""
        index = EnterpriseIndex(control_share)
        for ent, rows in self.shared.call(self.shared.client.hgetall, self.roles_key).items():
            links = tuple(_link(row) for row in json.loads(rows))
            index.roles_[ent.decode()] = links
            for x in links:
                index.by_party_.setdefault(x.party, {}).setdefault(x.enterprise_id, []).append(x)
        return index.guarantee_circles()

    def roles_of(self, enterprise_id: str) -> tuple[EnterpriseLink, ...]:
        """All parties of an enterprise with their roles, in registration order."""
        raw = self.shared.call(self.shared.client.hget, self.roles_key, enterprise_id)
        return tuple(_link(row) for row in json.loads(raw)) if raw else ()


def _link(row: list[Any]) -> EnterpriseLink:
    ent, kind, key, role, share, spv = row
    return EnterpriseLink(ent, (kind, key), role, None if share is None else Decimal(share), spv)


class _FlowCache:
    """``LinkGraph.flow_cache`` in a Redis hash (node -> last flow features)."""

    def __init__(self, view: RedisGraphView) -> None:
        self.view = view
        self.key = view.prefix + ":fc"
        self.local: dict[Node, dict[str, float] | None] = {}

    def _get(self, node: Node) -> dict[str, float] | None:
        if node not in self.local:
            raw = self.view.call(self.view.client.hget, self.key, node_key(node))
            self.local[node] = None if raw is None else dict(json.loads(raw))
        return self.local[node]

    def __contains__(self, node: object) -> bool:
        return isinstance(node, tuple) and self._get(node) is not None

    def __getitem__(self, node: Node) -> dict[str, float]:
        value = self._get(node)
        if value is None:
            raise KeyError(node)
        return value

    def __setitem__(self, node: Node, value: dict[str, float]) -> None:
        self.local[node] = value
        self.view.call(self.view.client.hset, self.key, node_key(node), json.dumps(value))


_Rows = list[tuple[Node, Link]]


class RedisGraphView:
    """The shared graph as ``riskline.graph`` reads it, cached for the length of one event.

    Reads ask Redis only for what the caller needs: the links of one kind mask (a merchant's
    device links, not its 500 buyers) or the directed money index, unless every link of the
    node was loaded already.
    """

    def __init__(
        self, shared: SharedState, prefix: str, config: GraphConfig, scripts: dict[str, Any]
    ) -> None:
        self.shared = shared
        self.client = shared.client
        self.call = shared.call
        self.prefix = prefix
        self.config = config
        self.join_mask = kinds_mask(config.join_kinds)
        self.enterprises = RedisEnterprises(shared, prefix)
        self.flags: frozenset[Node] = frozenset()
        self._flag_version = b""
        self._scripts = scripts
        self.flow_cache = _FlowCache(self)
        self._rows: dict[tuple[Node, int, bool], _Rows] = {}
        self._stats: dict[Node, ComponentStats] = {}
        self.now_ts = 0.0
        """The newest event time seen (read by ring searches, set by ``RedisGraph.rings_for``)."""

    def begin(self) -> None:
        """Forget what the last event read (call before each event's reads)."""
        self._rows.clear()
        self._stats.clear()
        self.flow_cache.local.clear()

    def refresh_flags(self, version: bytes) -> None:
        """Reload the flagged nodes when their version (``epoch:counter``) changed."""
        if version != self._flag_version:
            self.reload_flags()
            self._flag_version = version

    def reload_flags(self) -> None:
        """Read the flagged nodes now."""
        raw = self.call(self.client.hkeys, self.prefix + ":flags")
        self.flags = frozenset(parse_node(k) for k in raw)
        self._flag_version = b""

    def subject(self, node: Node, around: tuple[int, int, int] | None = None) -> float:
        """Load the subject's component stats, cached flow features and flags, and (``around``
        = hops, most nodes, largest degree) every link near it, in one round trip; returns its
        propagated risk. The links are what features mostly read; anything else is still read
        on demand, so ``around`` changes speed, never results."""
        pipe = self.client.pipeline(transaction=False)
        self._scripts["stats"](args=[self.prefix, node_key(node)], client=pipe)
        if around is not None and around[0] >= 0:
            self._scripts["ego"](args=[self.prefix, node_key(node), *around], client=pipe)
        replies = self.call(pipe.execute)
        root, size, kinds, flagged, exposure, version, risk, flow = replies[0]
        self.refresh_flags(version)
        self.flow_cache.local[node] = None if flow is None else dict(json.loads(flow))
        if root is None:
            stats = ComponentStats(node, 1, MappingProxyType({node[0]: 1}), 0, 0.0)
        else:
            by_kind = {kinds[i].decode(): int(kinds[i + 1]) for i in range(0, len(kinds), 2)}
            stats = ComponentStats(
                parse_node(root),
                int(size),
                MappingProxyType(by_kind),
                int(flagged),
                float(exposure),
            )
        self._stats[node] = stats
        if len(replies) > 1:
            self._ego(replies[1])
        return 0.0 if risk is None else float(risk)

    def _ego(self, flat: list[Any]) -> None:
        for i in range(0, len(flat), 3):
            n = parse_node(flat[i])
            rows = _links(n, flat[i + 1])
            self._rows[(n, 0, False)] = rows
            by_other = dict(rows)
            outs = [parse_node(o) for o in flat[i + 2]]
            self._rows[(n, 0, True)] = [(o, by_other[o]) for o in outs if o in by_other]

    def stats(self, node: Node) -> ComponentStats:
        """Statistics of the node's component."""
        hit = self._stats.get(node)
        if hit is None:
            self.subject(node)
            hit = self._stats[node]
        return hit

    def _read(self, node: Node, mask: int = 0, out: bool = False) -> _Rows:
        key = (node, mask, out)
        hit = self._rows.get(key)
        if hit is None:
            full = self._rows.get((node, 0, False))
            if full is not None and not out:
                hit = [(o, x) for o, x in full if x.has(mask)]
            else:
                args = [self.prefix, node_key(node), mask, int(out)]
                hit = _links(node, self.call(self._scripts["read"], args=args))
            self._rows[key] = hit
        return hit

    def prefetch(self, nodes: list[Node], mask: int) -> None:
        """Load many nodes' links of ``mask`` in pipelined batches (maintenance jobs)."""
        todo = [n for n in nodes if (n, mask, False) not in self._rows]
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            pipe = self.client.pipeline(transaction=False)
            for n in chunk:
                self._scripts["read"](args=[self.prefix, node_key(n), mask, 0], client=pipe)
            for n, rows in zip(chunk, self.call(pipe.execute), strict=True):
                self._rows[(n, mask, False)] = _links(n, rows)

    def links(self, node: Node) -> dict[Node, Link]:
        """The node's links by neighbour, in recency order."""
        return dict(self._read(node))

    def neighbours(self, node: Node, mask: int) -> Iterator[Node]:
        """Neighbours over links carrying a kind in ``mask``, in recency order."""
        return iter([o for o, _ in self._read(node, mask)])

    def successors(self, node: Node, mask: int, since: float = 0.0) -> Iterator[tuple[Node, Link]]:
        """Nodes ``node`` sent money to / owns (kinds in ``mask``), links seen since ``since``."""
        for other, link in self._read(node, 0, True):
            if link.last_ts >= since and link.out_of(node, mask):
                yield other, link

    def __contains__(self, node: object) -> bool:
        return isinstance(node, tuple) and bool(self._read(node))


def _links(node: Node, rows: list[bytes]) -> _Rows:
    out: _Rows = []
    for row in rows:
        other_raw, a, fwd, rev, first, last, count, amount = row.decode().split("\x1f")
        other = parse_node(other_raw)
        a_node = parse_node(a)
        link = Link(a_node, other if a_node == node else node, float(first))
        link.fwd, link.rev = int(fwd), int(rev)
        link.last_ts, link.count, link.amount = float(last), int(count), float(amount)
        out.append((other, link))
    return out
