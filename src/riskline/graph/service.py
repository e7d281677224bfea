"""``GraphRisk``: the one object the decision engine holds for graph risk.

>>> from datetime import datetime, timezone
>>> from riskline.events import Login
>>> gr = GraphRisk()
>>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> gr.observe(Login(event_id="e1", occurred_at=t, account_id="a1", device_id="d1"))
>>> gr.flag("device", "d1", "blocklist")
>>> e = Login(event_id="e2", occurred_at=t, account_id="a2", device_id="d1")
>>> gr.observe(e)
>>> gr.features_for(e)["graph.blocklist_distance"]
1.0
"""

from __future__ import annotations

from collections.abc import Mapping

from riskline.events.types import Event
from riskline.graph.features import SCHEMA, features_for
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.propagation import Propagation
from riskline.graph.rings import detect_all, rings_for
from riskline.graph.types import EnterpriseLink, GraphConfig, GraphView, Node, Ring
from riskline.graph.view import neighbourhood

__all__ = ["GraphRisk"]


class GraphRisk:
    """Online link graph plus features, rings, propagation and enterprise queries."""

    def __init__(self, config: GraphConfig | None = None, graph: LinkGraph | None = None) -> None:
        self.graph = graph or LinkGraph(config)
        self.config = self.graph.config
        self.propagation = Propagation()

    def observe(self, event: Event) -> None:
        """Update the graph with one event."""
        self.graph.observe(event)

    def features_for(self, event: Event) -> Mapping[str, float]:
        """``graph.*`` features for the event's subject (observe the event first)."""
        return features_for(self.graph, event, self.propagation.risk_)

    def schema(self) -> Mapping[str, str]:
        """Feature name -> "number" or "bool"."""
        return SCHEMA

    def flag(self, kind: str, key: str, reason: str) -> None:
        """Mark an entity confirmed bad (blocklist hit, case outcome, freeze)."""
        self.graph.flag(kind, key, reason)

    def unflag(self, kind: str, key: str, reason: str | None = None) -> None:
        """Withdraw one flag reason, or all."""
        self.graph.unflag(kind, key, reason)

    def expire(self, now_ts: float | None = None) -> int:
        """Drop links older than the TTL and re-split components; returns links removed."""
        return self.graph.expire(now_ts)

    def refresh(self) -> Mapping[Node, float]:
        """Re-run risk propagation from the current flags (periodic batch)."""
        return self.propagation.refresh(self.graph)

    def rings_for(self, kind: str, key: str) -> list[Ring]:
        """Rings the entity belongs to."""
        return rings_for(self.graph, (kind, key))

    def all_rings(self) -> list[Ring]:
        """Every ring in the graph (batch)."""
        return detect_all(self.graph)

    def neighbourhood(self, kind: str, key: str, depth: int = 2, limit: int = 200) -> GraphView:
        """The entity's neighbourhood with risk and ring ids (for the console)."""
        return neighbourhood(self.graph, (kind, key), depth, limit, self.propagation.risk_)

    def enterprises_linked_to(self, person_id: str) -> list[EnterpriseLink]:
        """Enterprises a person holds a role in, with role and share."""
        return self.graph.enterprises.enterprises_linked_to(person_id)

    def controllers_of(self, enterprise_id: str) -> list[EnterpriseLink]:
        """Those who control an enterprise (to review on its default)."""
        return self.graph.enterprises.controllers_of(enterprise_id)

    def flagged_parties(self, enterprise_id: str) -> list[tuple[EnterpriseLink, tuple[str, ...]]]:
        """Roles in the enterprise held by flagged parties, with the flag reasons (for reasons)."""
        flags = self.graph.flags
        return [
            (x, tuple(sorted(flags[x.party])))
            for x in self.graph.enterprises.roles_of(enterprise_id)
            if x.party in flags
        ]

    def guarantee_circles(self) -> list[Ring]:
        """Enterprises guaranteeing each other in a cycle."""
        return self.graph.enterprises.guarantee_circles()
