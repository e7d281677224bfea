"""Enterprise linkage: who represents, controls, owns, guarantees or sponsors which enterprise.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> from riskline.events import EnterpriseRegistered, EnterpriseRole, RoleKind
>>> idx = EnterpriseIndex()
>>> idx.observe(EnterpriseRegistered(
...     event_id="e1", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
...     enterprise_id="E1", name="Acme", roles=(
...         EnterpriseRole("p1", RoleKind.LEGAL_REPRESENTATIVE),
...         EnterpriseRole("p2", RoleKind.SHAREHOLDER, share=Decimal("0.6")))))
>>> [(x.enterprise_id, x.role, x.share) for x in idx.enterprises_linked_to("p2")]
[('E1', 'shareholder', Decimal('0.6'))]
>>> [x.party for x in idx.controllers_of("E1")]
[('person', 'p1'), ('person', 'p2')]
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import rustworkx as rx

from riskline.events.types import EnterpriseRegistered, RoleKind
from riskline.graph.types import EdgeView, EnterpriseLink, Node, Ring, RingKind

__all__ = ["EnterpriseIndex", "ring_id"]

_CONTROL_ROLES = frozenset({RoleKind.LEGAL_REPRESENTATIVE.value, RoleKind.ACTUAL_CONTROLLER.value})


def ring_id(kind: RingKind, members: tuple[Node, ...]) -> str:
    """A stable ring id from its kind and (sorted) members."""
    text = kind.value + "|" + "|".join(f"{k}:{i}" for k, i in sorted(members))
    return f"ring:{kind.value}:{hashlib.sha1(text.encode()).hexdigest()[:12]}"


class EnterpriseIndex:
    """Roles of parties in enterprises, indexed both ways; re-registration replaces roles."""

    def __init__(self, control_share: Decimal = Decimal("0.25")) -> None:
        self.control_share = control_share
        self.roles_: dict[str, tuple[EnterpriseLink, ...]] = {}
        self.by_party_: dict[Node, dict[str, list[EnterpriseLink]]] = {}

    def observe(self, event: EnterpriseRegistered) -> None:
        """Record (or replace) the roles of the registered enterprise."""
        ent = event.enterprise_id
        for old in self.roles_.get(ent, ()):
            self.by_party_.get(old.party, {}).pop(ent, None)
        links = tuple(
            EnterpriseLink(ent, (r.party_kind, r.party_id), r.role.value, r.share, event.spv)
            for r in event.roles
        )
        self.roles_[ent] = links
        for link in links:
            self.by_party_.setdefault(link.party, {}).setdefault(ent, []).append(link)

    def links_of(self, party: Node) -> list[EnterpriseLink]:
        """Every role the party holds, sorted by enterprise and role."""
        found = [x for links in self.by_party_.get(party, {}).values() for x in links]
        return sorted(found, key=lambda x: (x.enterprise_id, x.role))

    def enterprises_linked_to(self, person_id: str) -> list[EnterpriseLink]:
        """Enterprises a person holds a role in, with role and share."""
        return self.links_of(("person", person_id))

    def roles_of(self, enterprise_id: str) -> tuple[EnterpriseLink, ...]:
        """All parties of an enterprise with their roles."""
        return self.roles_.get(enterprise_id, ())

    def controllers_of(self, enterprise_id: str) -> list[EnterpriseLink]:
        """Legal representative, actual controller, shareholders at or above the control share,
        and the sponsor of a project-finance SPV."""
        return [
            x
            for x in self.roles_.get(enterprise_id, ())
            if x.role in _CONTROL_ROLES
            or (x.role == RoleKind.SHAREHOLDER.value and (x.share or 0) >= self.control_share)
            or (x.role == RoleKind.SPONSOR.value and x.spv)
        ]

    def guarantee_circles(self, max_circles: int = 1000) -> list[Ring]:
        """Enterprises guaranteeing each other in a cycle (guarantor -> guaranteed)."""
        graph: rx.PyDiGraph[str, EnterpriseLink] = rx.PyDiGraph()
        index: dict[str, int] = {}
        for ent, links in sorted(self.roles_.items()):
            for x in links:
                if x.role == RoleKind.GUARANTOR.value and x.party[0] == "enterprise":
                    for name in (x.party[1], ent):
                        if name not in index:
                            index[name] = graph.add_node(name)
                    graph.add_edge(index[x.party[1]], index[ent], x)
        rings: dict[str, Ring] = {}
        for cycle in rx.simple_cycles(graph):
            ring = self._circle_ring(graph, list(cycle))
            rings[ring.id] = ring
            if len(rings) >= max_circles:
                break
        return sorted(rings.values(), key=lambda r: r.id)

    def _circle_ring(self, graph: rx.PyDiGraph[str, EnterpriseLink], cycle: list[int]) -> Ring:
        members = tuple(sorted(("enterprise", graph[i]) for i in cycle))
        evidence = tuple(
            EdgeView(("enterprise", graph[a]), ("enterprise", graph[b]), ("guarantor",), 0, 0, 1, 0)
            for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)
        )
        score = min(1.0, 0.5 + 0.1 * len(cycle))
        kind = RingKind.GUARANTEE_CIRCLE
        return Ring(ring_id(kind, members), kind, members, evidence, score)
