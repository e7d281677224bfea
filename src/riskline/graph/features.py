"""Graph features for rules and models, named ``graph.<name>``.

>>> from datetime import datetime, timezone
>>> from riskline.events import Login
>>> from riskline.graph.linkgraph import LinkGraph
>>> g = LinkGraph()
>>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> for i in range(3):
...     g.observe(Login(event_id=f"e{i}", occurred_at=t, account_id=f"a{i}", device_id="d1"))
>>> g.flag("account", "a2", "blocklist")
>>> f = features_for(g, Login(event_id="e9", occurred_at=t, account_id="a0", device_id="d1"))
>>> f["graph.component_accounts"], f["graph.device_shared_accounts"], f["graph.blocklist_distance"]
(3.0, 2.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from riskline.events.types import (
    Event,
    LoanApplication,
    LoanDrawdown,
    MerchantPayout,
    Payment,
    Transfer,
)
from riskline.graph.extract import subject_of
from riskline.graph.flows import fund_cycle, loop_buyers, passes_others_shop, sibling_loop_buyers
from riskline.graph.identity import kin_accounts, shared_identity
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.rings import farm_cluster
from riskline.graph.types import EdgeKind, Node, kinds_mask

__all__ = ["SCHEMA", "bfs_depths", "features_for"]

SCHEMA: Mapping[str, str] = MappingProxyType(
    {
        "graph.component_size": "number",
        "graph.component_accounts": "number",
        "graph.component_flagged": "number",
        "graph.component_exposure": "number",
        "graph.device_shared_accounts": "number",
        "graph.flagged_neighbours": "number",
        "graph.blocklist_distance": "number",
        "graph.buyer_merchant_shared_identity": "bool",
        "graph.fund_cycle": "bool",
        "graph.purchase_loop": "bool",
        "graph.merchant_loop_buyers": "number",
        "graph.owner_loop_buyers": "number",
        "graph.phone_block_accounts": "number",
        "graph.farm_accounts": "number",
        "graph.linked_flagged_parties": "number",
        "graph.propagated_risk": "number",
    }
)

_DEVICE = kinds_mask({EdgeKind.DEVICE})
_BLOCK = kinds_mask({EdgeKind.PHONE_BLOCK})
_NO_LINKS: Mapping[Node, object] = MappingProxyType({})


def bfs_depths(g: LinkGraph, start: Node, max_depth: int, budget: int) -> dict[Node, int]:
    """Hop distance from ``start`` over joining links, up to ``max_depth`` (budgeted)."""
    depth = {start: 0}
    frontier = [start]
    for d in range(1, max_depth + 1):
        nxt: list[Node] = []
        for node in frontier:
            for other in g.neighbours(node, g.join_mask):
                if other not in depth:
                    depth[other] = d
                    nxt.append(other)
                    budget -= 1
            if budget <= 0:
                return depth
        frontier = nxt
    return depth


def _accounts_beside(g: LinkGraph, node: Node, mask: int, kind: str) -> int:
    """Other accounts linked (over ``mask``) to any of the node's neighbours of ``kind``."""
    others: set[Node] = set()
    for shared in g.neighbours(node, mask):
        if shared[0] == kind:
            others.update(n for n in g.neighbours(shared, mask) if n[0] == "account")
    others.discard(node)
    return len(others)


def device_shared_accounts(g: LinkGraph, node: Node) -> int:
    """Other accounts that used any of the node's devices (2 hops over device links)."""
    return _accounts_beside(g, node, _DEVICE, "device")


def phone_block_accounts(g: LinkGraph, node: Node) -> int:
    """Other accounts opened with a phone number in the same block of 100 as the node's."""
    return _accounts_beside(g, node, _BLOCK, "phone_block")


def _flag_features(g: LinkGraph, node: Node, component_flagged: int) -> dict[str, float]:
    """Flagged entities within ``hops`` and the distance to the nearest (capped).

    The search runs only when the node's component holds a flagged member: components are
    over joining links and may over-count until ``expire`` but never miss a reachable node,
    so a component without a flag has none within any distance. On the in-process graph it
    runs only when a flag may be within reach (``LinkGraph.flag_reach``, a lower bound of
    the distance to the nearest flag).
    """
    cfg = g.config
    none = {"graph.flagged_neighbours": 0.0, "graph.blocklist_distance": float(cfg.distance_cap)}
    if not g.flags or component_flagged <= 0:
        return none
    if isinstance(g, LinkGraph):
        if g.flag_reach.bound(node) > g.flag_reach.reach:
            return none
        near, dist = _flag_search(g, node, cfg.hops, cfg.distance_cap, cfg.search_budget)
        return {"graph.flagged_neighbours": float(near), "graph.blocklist_distance": float(dist)}
    reach = max(cfg.hops, cfg.distance_cap)
    depth = bfs_depths(g, node, reach, cfg.search_budget)
    flagged = [d for n, d in depth.items() if n in g.flags]
    near = sum(1 for d in flagged if 0 < d <= cfg.hops)
    dist = min([*flagged, cfg.distance_cap])
    return {"graph.flagged_neighbours": float(near), "graph.blocklist_distance": float(dist)}


def _flag_search(g: LinkGraph, start: Node, hops: int, cap: int, budget: int) -> tuple[int, int]:
    """What ``bfs_depths(g, start, max(hops, cap), budget)`` tells of flags: the flagged nodes
    at 1..``hops`` and the nearest one's depth (``cap`` when none is nearer), the same answer
    with less work. Breadth-first in the same order under the same budget, it stops where
    nothing it would still find can change the answer: past ``hops`` once a flag is found
    (deeper ones are farther), at depth ``cap`` (a flag there reads as ``cap``, like none), and
    where the frontier's distance bounds (``LinkGraph.flag_reach``) put every flag still to
    find past ``hops`` and no nearer than the nearest found (a flagged frontier node counts 1:
    its bound says nothing of other flags behind it).
    """
    flags, jadj, bound = g.flags, g.jadj, g.flag_reach.bound
    best = 0 if start in flags else cap
    near = 0
    seen = {start}
    frontier = [start]
    for d in range(1, max(hops, cap - 1) + 1):
        if d > hops and best < d:
            break
        if d > 1:  # the nearest flag still to find is at least this deep (flag_reach bounds)
            deeper = d - 1 + min(max(1, bound(n)) for n in frontier) if frontier else cap
            if deeper > hops and deeper >= best:
                break
        nxt: list[Node] = []
        for node in frontier:
            for other in jadj.get(node, _NO_LINKS):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
                    budget -= 1
                    if other in flags:
                        if d <= hops:
                            near += 1
                        elif d < best:
                            return near, d
                        best = min(best, d)
            if budget <= 0:
                return near, best
        frontier = nxt
    return near, best


def _linked_flagged(g: LinkGraph, node: Node) -> int:
    ents = g.enterprises
    if node[0] == "enterprise":
        return sum(1 for x in ents.roles_of(node[1]) if x.party in g.flags)
    parties = [node] + [p for p in g.links(node) if p[0] == "person"]
    return sum(
        1 for p in parties for x in ents.links_of(p) if ("enterprise", x.enterprise_id) in g.flags
    )


MONEY_EVENTS = (Payment, Transfer, LoanDrawdown, MerchantPayout, LoanApplication)
"""Events that move money or ask for credit recompute the subject's flow features (fund
cycle, buyer-merchant shared identity); other events reuse the subject's last values
(``LinkGraph.flow_cache``), which a cycle closed by someone else's event refreshes on the
subject's next money or credit event."""


def _flow_features(g: LinkGraph, event: Event, node: Node) -> dict[str, float]:
    cfg = g.config
    since = event.occurred_at.timestamp() - cfg.cycle_window_seconds
    shared = loops = siblings = 0.0
    if isinstance(event, Payment):
        merchant = ("merchant", event.merchant_id)
        shared = float(bool(shared_identity(g, node, merchant)))
        loops = float(loop_buyers(g, merchant, since, cfg.search_budget))
        siblings = float(sibling_loop_buyers(g, merchant, since, cfg.search_budget))
    cycle = purchase = 0.0
    if node[0] == "account":
        args = (cfg.cycle_max_depth, cfg.search_budget, cfg.cycle_min_transfer)
        found = fund_cycle(g, node, since, *args, others_shop_only=True)
        cycle = float(bool(found))
        if found and passes_others_shop(g, found, kin_accounts(g, node)):
            purchase = 1.0
        elif found:  # a loop of transfers was found first; is there one through a merchant too?
            purchase = float(
                bool(
                    fund_cycle(g, node, since, *args, through_merchant=True, others_shop_only=True)
                )
            )
    return {
        "graph.buyer_merchant_shared_identity": shared,
        "graph.fund_cycle": cycle,
        "graph.purchase_loop": purchase,
        "graph.merchant_loop_buyers": loops,
        "graph.owner_loop_buyers": siblings,
    }


def _farm_accounts(g: LinkGraph, node: Node) -> float:
    if node[0] != "account":
        return 0.0
    accounts, shared_art = farm_cluster(g, node, g.config.search_budget)
    return float(len(accounts)) if shared_art else 0.0


def features_for(
    g: LinkGraph, event: Event, risk: Mapping[Node, float] | None = None
) -> dict[str, float]:
    """All ``graph.*`` features for the event's subject (call after ``g.observe(event)``)."""
    node = subject_of(event)
    stats = g.stats(node)
    out = {
        "graph.component_size": float(stats.size),
        "graph.component_accounts": float(stats.by_kind.get("account", 0)),
        "graph.component_flagged": float(stats.flagged),
        "graph.component_exposure": float(stats.exposure),
        "graph.device_shared_accounts": float(device_shared_accounts(g, node)),
        "graph.phone_block_accounts": float(phone_block_accounts(g, node)),
        "graph.linked_flagged_parties": float(_linked_flagged(g, node)),
        "graph.propagated_risk": float((risk or {}).get(node, 0.0)),
        "graph.farm_accounts": _farm_accounts(g, node),
    }
    out.update(_flag_features(g, node, stats.flagged))
    if isinstance(event, MONEY_EVENTS) or node not in g.flow_cache:
        g.flow_cache[node] = _flow_features(g, event, node)
    out.update(g.flow_cache[node])
    return out
