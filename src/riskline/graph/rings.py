"""Ring detection: account farms, collusive merchant rings, credit-inflation cycles.

>>> from riskline.graph.linkgraph import LinkGraph
>>> from riskline.graph.types import EdgeKind
>>> g = LinkGraph()
>>> for i in range(5):
...     _ = g.add_edge(("account", f"a{i}"), ("device", "d1"), EdgeKind.DEVICE, 0.0)
>>> [(r.kind.value, len(r.members)) for r in rings_for(g, ("account", "a0"))]
[('account_farm', 6)]
"""

from __future__ import annotations

from collections.abc import Iterable

from riskline.graph.enterprise import ring_id
from riskline.graph.flows import Step, fund_cycle
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import EdgeKind, EdgeView, Link, Node, Ring, RingKind, kinds_mask

__all__ = ["detect_all", "edge_view", "farm_cluster", "rings_for"]

_ARTIFACT = kinds_mask({EdgeKind.DEVICE, EdgeKind.PHONE})
_ARTIFACT_KINDS = ("device", "phone")


def edge_view(link: Link) -> EdgeView:
    """A read-only view of a link."""
    kinds = tuple(k.value for k in link.kinds())
    return EdgeView(link.a, link.b, kinds, link.first_ts, link.last_ts, link.count, link.amount)


def farm_cluster(
    g: LinkGraph, account: Node, budget: int = 2000, depth: int = 4
) -> tuple[set[Node], set[Node]]:
    """Accounts within ``depth`` hops over devices/phones, and the artifacts 2+ of them share."""
    accounts, frontier = {account}, [account]
    artifacts: dict[Node, int] = {}
    for _ in range(depth):
        nxt: list[Node] = []
        for node in frontier:
            is_artifact = node[0] != "account"
            found = 0
            for other in g.neighbours(node, _ARTIFACT):
                budget -= 1
                if other[0] == "account":
                    found += 1
                    if other not in accounts:
                        accounts.add(other)
                        nxt.append(other)
                elif not is_artifact and other[0] in _ARTIFACT_KINDS and other not in artifacts:
                    artifacts[other] = 1
                    nxt.append(other)
            if is_artifact:
                artifacts[node] = found
            if budget <= 0:
                break
        frontier = nxt
    return accounts, {a for a, n in artifacts.items() if n >= 2}


def account_farm(g: LinkGraph, account: Node) -> Ring | None:
    """The farm around an account: many accounts on few shared devices or phones."""
    cfg = g.config
    accounts, shared = farm_cluster(g, account, cfg.search_budget)
    ratio = len(accounts) / max(1, len(shared))
    if len(accounts) < cfg.farm_min_accounts or ratio < cfg.farm_accounts_per_artifact:
        return None
    members = tuple(sorted(accounts | shared))
    evidence = tuple(
        edge_view(link)
        for art in sorted(shared)
        for other, link in g.links(art).items()
        if other in accounts
    )
    size = len(accounts) / (2.0 * cfg.farm_min_accounts)
    score = min(
        1.0, 0.5 * min(1.0, size) + 0.5 * min(1.0, ratio / (4 * cfg.farm_accounts_per_artifact))
    )
    kind = RingKind.ACCOUNT_FARM
    return Ring(ring_id(kind, members), kind, members, evidence, round(score, 6))


def cycle_ring(path: list[Step]) -> Ring:
    """Classify a fund cycle: through a merchant it is collusive, else credit inflation."""
    members = tuple(sorted({n for n, _ in path}))
    # one piece of evidence per link, however the graph hands links out (the shared graph
    # builds a new object on every read: identity would count a link crossed twice twice)
    views = {edge_view(link): None for _, via in path for link in via}
    evidence = tuple(sorted(views, key=lambda e: (e.src, e.dst)))
    via_merchant = any(n[0] == "merchant" for n in members)
    kind = RingKind.COLLUSIVE_MERCHANT if via_merchant else RingKind.CREDIT_INFLATION
    money = [x.amount for x in evidence if x.amount > 0]
    returned = min(money) / max(money) if money else 0.0
    score = min(1.0, 0.6 + 0.4 * returned)
    return Ring(ring_id(kind, members), kind, members, evidence, round(score, 6))


def _cycle_for(g: LinkGraph, account: Node) -> Ring | None:
    cfg = g.config
    since = g.now_ts - cfg.cycle_window_seconds
    path = fund_cycle(
        g, account, since, cfg.cycle_max_depth, cfg.search_budget, cfg.cycle_min_transfer
    )
    return cycle_ring(path) if path else None


def _accounts_near(g: LinkGraph, node: Node, limit: int = 50) -> list[Node]:
    if node[0] == "account":
        return [node]
    found = [n for n in g.links(node) if n[0] == "account"]
    return sorted(found)[:limit]


def _dedupe(rings: Iterable[Ring | None]) -> list[Ring]:
    unique = {r.id: r for r in rings if r is not None}
    return sorted(unique.values(), key=lambda r: r.id)


def rings_for(g: LinkGraph, node: Node) -> list[Ring]:
    """Rings the entity belongs to (for a device, card or merchant: those of its accounts)."""
    found: list[Ring | None] = []
    for account in _accounts_near(g, node):
        found.append(account_farm(g, account))
        found.append(_cycle_for(g, account))
    if node[0] in ("enterprise", "person"):
        ents = {("enterprise", x.enterprise_id) for x in g.enterprises.links_of(node)} | {node}
        found.extend(r for r in g.enterprises.guarantee_circles() if ents & set(r.members))
    return [r for r in _dedupe(found) if node in r.members or node[0] == "person"]


def detect_all(g: LinkGraph) -> list[Ring]:
    """Every ring in the graph (batch; one search per account)."""
    found: list[Ring | None] = []
    for node in list(g.adj):
        if node[0] == "account":
            found.append(account_farm(g, node))
            found.append(_cycle_for(g, node))
    found.extend(g.enterprises.guarantee_circles())
    return _dedupe(found)
