"""``RedisGraph``: the link graph in Redis, shared by every API and worker process.

Writes are Lua scripts that mirror ``LinkGraph`` step by step (see :mod:`graph_lua`): one
pipelined round trip per event. Features are computed by ``riskline.graph.features_for``
itself over a :class:`~riskline.state.graph_view.RedisGraphView`, so they follow the same
algorithms, search budgets and fan-out bounds as the in-process graph. Like the in-process
``_GraphAdapter``, every ``maintain_every`` events (counted across all processes) one
process expires old links, re-splits components that lost links and re-runs risk
propagation; a lock keeps it to one process at a time.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from riskline.errors import Unavailable
from riskline.events import EnterpriseRegistered, Event
from riskline.graph import (
    SCHEMA,
    EnterpriseLink,
    GraphConfig,
    Node,
    Ring,
    edges_from,
    features_for,
    personalized_pagerank,
    rings_for,
    subject_of,
)
from riskline.graph.extract import exposure_of
from riskline.graph.propagation import scale_risk
from riskline.graph.types import MONEY_KINDS, EdgeKind, kinds_mask
from riskline.state import graph_lua
from riskline.state.graph_view import RedisGraphView, node_key, parse_node
from riskline.state.shared import Mode, SharedState

__all__ = ["RedisGraph"]

_OUT_KINDS = MONEY_KINDS | {EdgeKind.OWNS, EdgeKind.MERCHANT_CARD}
_CONTROL = frozenset({"legal_representative", "actual_controller"})


class RedisGraph:
    """The engine's ``GraphSource`` on a graph kept in the deployment's Redis namespace."""

    def __init__(
        self,
        shared: SharedState,
        config: GraphConfig | None = None,
        maintain_every: int = 20_000,
        prefetch: tuple[int, int, int] = (1, 50, 64),
    ) -> None:
        self.shared = shared
        self.config = config or GraphConfig(search_budget=500)
        self.maintain_every = maintain_every
        self.prefetch = prefetch
        """Neighbourhood read with the subject: (hops, most nodes, largest degree read)."""
        self.prefix = shared.key("g")
        reg = shared.client.register_script
        self.scripts = {
            "add": reg(graph_lua.ADD_EDGE),
            "ego": reg(graph_lua.EGO),
            "expire": reg(graph_lua.EXPIRE_LINK),
            "exposure": reg(graph_lua.EXPOSURE),
            "flag": reg(graph_lua.FLAG),
            "now": reg(graph_lua.MAX_NOW),
            "read": reg(graph_lua.READ_ADJ),
            "resplit": reg(graph_lua.RESPLIT),
            "stats": reg(graph_lua.STATS),
        }
        self.view = RedisGraphView(shared, self.prefix, self.config, self.scripts)
        self._join = kinds_mask(self.config.join_kinds)
        self._sticky = kinds_mask(self.config.sticky_kinds)
        self._lock = threading.Lock()

    # -- writes ---------------------------------------------------------------------------
    def observe(self, event: Event) -> None:
        """Add or refresh the links the event implies (one pipelined round trip)."""
        if self.shared.mode is Mode.SKIP:
            return
        cfg, p = self.config, self.prefix
        ts = event.occurred_at.timestamp()
        pipe = self.shared.client.pipeline(transaction=False)
        self.scripts["now"](args=[p, repr(ts)], client=pipe)
        for a, b, kind, amount in edges_from(event):
            args = [
                p,
                node_key(a),
                node_key(b),
                kinds_mask({kind}),
                int(kind in _OUT_KINDS),
                int(kind in cfg.join_kinds),
                repr(ts),
                repr(amount),
                int(ts // cfg.bucket_seconds),
                cfg.max_degree,
                self._join,
            ]
            self.scripts["add"](args=args, client=pipe)
        exposed = exposure_of(event)
        if exposed is not None:
            self.scripts["exposure"](args=[p, node_key(exposed[0]), repr(exposed[1])], client=pipe)
        if isinstance(event, EnterpriseRegistered):
            self._enterprise(event, pipe)
        pipe.incr(p + ":n")
        seen = int(self.shared.call(pipe.execute)[-1])
        if self.maintain_every and seen % self.maintain_every == 0:
            self.maintain(ts)

    def _enterprise(self, event: EnterpriseRegistered, pipe: Any) -> None:
        """Replace the enterprise's roles (both indexes) in the same pipeline."""
        ent, p = event.enterprise_id, self.prefix
        old = self.view.enterprises.roles_of(ent)
        for party in {x.party for x in old}:
            pipe.hdel(p + ":ep:" + node_key(party), ent)
        rows = [
            [ent, r.party_kind, r.party_id, r.role.value, _share(r.share), event.spv]
            for r in event.roles
        ]
        pipe.hset(p + ":er", ent, json.dumps(rows))
        by_party: dict[str, list[list[Any]]] = {}
        for row in rows:
            by_party.setdefault(f"{row[1]}:{row[2]}", []).append(row)
        for party_key, links in by_party.items():
            pipe.hset(p + ":ep:" + party_key, ent, json.dumps(links))

    def flag(self, kind: str, key: str, reason: str) -> None:
        """Mark an entity confirmed bad (blocklist hit, case outcome, freeze)."""
        self.shared.call(self.scripts["flag"], args=[self.prefix, node_key((kind, key)), reason])

    # -- reads ----------------------------------------------------------------------------
    def features_for(self, event: Event) -> Mapping[str, float]:
        """``graph.*`` features for the event's subject, by the in-process feature code."""
        if self.shared.mode is Mode.SKIP:
            return {}
        with self._lock:
            view = self.view
            view.begin()
            node = subject_of(event)
            risk = view.subject(node, self.prefetch)
            return features_for(view, event, {node: risk})  # type: ignore[arg-type]

    def rings_for(self, kind: str, key: str) -> list[Ring]:
        """Rings the entity belongs to (farms, fund cycles, guarantee circles), as in process."""
        with self._lock:
            view = self.view
            view.begin()
            now = self.shared.call(self.shared.client.get, self.prefix + ":now")
            view.now_ts = float(now) if now is not None else 0.0
            return rings_for(view, (kind, key))  # type: ignore[arg-type]

    def schema(self) -> Mapping[str, str]:
        """Feature name -> "number" or "bool"."""
        return SCHEMA

    def enterprises_linked_to(self, person_id: str) -> Sequence[EnterpriseLink]:
        """Enterprises a person holds a role in, with role and share."""
        return self.view.enterprises.links_of(("person", person_id))

    def controllers_of(self, enterprise_id: str) -> Sequence[EnterpriseLink]:
        """Legal representative, actual controller, controlling shareholders, SPV sponsor."""
        share = self.config.control_share
        return [
            x
            for x in self.view.enterprises.roles_of(enterprise_id)
            if x.role in _CONTROL
            or (x.role == "shareholder" and (x.share or 0) >= share)
            or (x.role == "sponsor" and x.spv)
        ]

    def reset(self) -> None:
        """Start from an empty graph: allowed only while rebuilding (see ``riskline.state``)."""
        mode = self.shared.mode
        if mode is Mode.LIVE:
            self.shared.mark_stale()
            raise Unavailable(
                "shared graph may be ahead of the ledger after a failed commit; "
                "it was marked stale: restart the process or run `riskline state rebuild`"
            )
        if mode is Mode.REBUILD:
            self.shared.flush("g")
            # a new epoch: flag versions cached by other processes cannot match by accident
            self.shared.call(self.shared.client.set, self.prefix + ":epoch", uuid.uuid4().hex)
            self.view = RedisGraphView(self.shared, self.prefix, self.config, self.scripts)

    # -- maintenance ----------------------------------------------------------------------
    def maintain(self, now_ts: float) -> bool:
        """Expire, re-split and re-propagate (once across processes); False if another runs it."""
        owner = f"maintain:{id(self)}:{now_ts}"
        client = self.shared.client
        if not self.shared.call(client.set, self.prefix + ":mlock", owner, nx=True, ex=600):
            return False
        try:
            with self._lock:
                self.view.begin()
                self.expire(now_ts)
                self.refresh()
        finally:
            self.shared.call(client.delete, self.prefix + ":mlock")
        return True

    def expire(self, now_ts: float) -> int:
        """Drop non-identity links last seen before ``now - ttl``; returns links removed."""
        cfg, p = self.config, self.prefix
        last_bucket = int((now_ts - cfg.ttl_seconds) // cfg.bucket_seconds)
        lids = self.shared.call(
            self.shared.client.zrangebyscore, p + ":lb", "-inf", last_bucket - 1
        )
        removed = 0
        for i in range(0, len(lids), 1000):
            pipe = self.shared.client.pipeline(transaction=False)
            for lid in lids[i : i + 1000]:
                args = [p, lid, last_bucket, self._sticky, self._join]
                self.scripts["expire"](args=args, client=pipe)
            removed += sum(self.shared.call(pipe.execute))
        self.rebuild_components()
        return removed

    def rebuild_components(self) -> int:
        """Re-split components that lost links (as ``Components.rebuild``); nodes revisited."""
        return int(self.shared.call(self.scripts["resplit"], args=[self.prefix, self._join]))

    def refresh(self) -> int:
        """Re-run risk propagation from the current flags; returns nodes with risk."""
        self.rebuild_components()
        client, p = self.shared.client, self.prefix
        self.view.reload_flags()
        seeds = sorted(self.view.flags)
        self.shared.call(client.delete, p + ":risk")
        if not seeds:
            return 0
        roots = set(self.shared.call(client.hmget, p + ":root", *map(node_key, seeds)))
        members: set[Node] = set()
        for root in roots - {None}:
            members.update(
                parse_node(m) for m in self.shared.call(client.smembers, p + ":m:" + root.decode())
            )
        nodes = sorted(members)
        index = {node: i for i, node in enumerate(nodes)}
        self.view.prefetch(nodes, self._join)
        edges = [
            (index[a], index[b])
            for a in nodes
            for b in self.view.neighbours(a, self._join)
            if a < b and b in index
        ]
        scores = personalized_pagerank(nodes, edges, (index[s] for s in seeds), self.config.restart)
        ppr = dict(zip(nodes, scores.tolist(), strict=True))
        top = max(ppr[s] for s in seeds)
        risk = {node_key(n): repr(scale_risk(v, top)) for n, v in ppr.items() if v > 0}
        items = list(risk.items())
        for i in range(0, len(items), 1000):
            self.shared.call(client.hset, p + ":risk", mapping=dict(items[i : i + 1000]))
        return len(risk)


def _share(share: Any) -> str | None:
    return None if share is None else str(share)
