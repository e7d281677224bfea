"""The graph's shortcuts give the answers of the full searches they skip.

``fund_cycle`` first asks whether money from outside the account's kin has any way in
(``_can_return``); the flag search runs only when the component holds a flag; neighbours
over joining kinds walk the joining links alone. Each is checked against the plain search
on random graphs of every link kind, with random times, amounts and flags.
"""

from __future__ import annotations

import random

import pytest

from riskline.graph import flows
from riskline.graph.features import _flag_features, bfs_depths
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import EdgeKind, GraphConfig, Node

_PAIRS: tuple[tuple[str, str, EdgeKind], ...] = (
    ("account", "merchant", EdgeKind.PAYMENT),
    ("account", "account", EdgeKind.TRANSFER),
    ("account", "card", EdgeKind.TRANSFER),
    ("account", "card", EdgeKind.DRAWDOWN),
    ("merchant", "card", EdgeKind.PAYOUT),
    ("merchant", "card", EdgeKind.MERCHANT_CARD),
    ("merchant", "person", EdgeKind.OWNS),
    ("account", "person", EdgeKind.HOLDS),
    ("account", "device", EdgeKind.DEVICE),
    ("merchant", "device", EdgeKind.DEVICE),
    ("account", "ip", EdgeKind.IP),
    ("account", "phone", EdgeKind.PHONE),
)


def _random_graph(rng: random.Random, size: int) -> LinkGraph:
    g = LinkGraph(GraphConfig(max_degree=12, ttl_seconds=60.0, bucket_seconds=10.0))
    for _ in range(size * 4):
        a_kind, b_kind, kind = rng.choice(_PAIRS)
        a: Node = (a_kind, f"{a_kind[0]}{rng.randrange(size)}")
        b: Node = (b_kind, f"{b_kind[0]}{rng.randrange(size)}")
        g.add_edge(a, b, kind, float(rng.randrange(0, 100)), float(rng.choice((50, 800, 3000))))
    for node in rng.sample(sorted(g.adj), k=min(3, len(g.adj))):
        g.flag(node[0], node[1], "test")
    if rng.random() < 0.5:
        g.expire(130.0)  # links last seen before 70 go, and their components re-split
    return g


def _full_fund_cycle(g: LinkGraph, account: Node, since: float, min_transfer: float) -> list:
    original = flows._can_return
    flows._can_return = lambda *args: True  # type: ignore[assignment]
    try:
        return flows.fund_cycle(g, account, since, 5, 2000, min_transfer)
    finally:
        flows._can_return = original


@pytest.mark.parametrize("seed", range(40))
def test_shortcuts_agree_with_full_searches(seed: int) -> None:
    rng = random.Random(seed)
    g = _random_graph(rng, size=rng.choice((4, 6, 9)))
    cycles = 0
    for node in sorted(g.adj):
        for since in (0.0, 40.0):
            for min_transfer in (0.0, 1000.0):
                if node[0] == "account":
                    fast = flows.fund_cycle(g, node, since, 5, 2000, min_transfer)
                    assert fast == _full_fund_cycle(g, node, since, min_transfer)
                    cycles += bool(fast)
        depth = bfs_depths(g, node, 4, 2000)
        plain = {n: d for n, d in depth.items() if n in g.flags}
        near = sum(1 for d in plain.values() if 0 < d <= 2)
        shortcut = _flag_features(g, node, g.stats(node).flagged)
        assert shortcut == {
            "graph.flagged_neighbours": float(near),
            "graph.blocklist_distance": float(min([*plain.values(), 4])),
        }
        for mask in (g.join_mask, 1 << 3, (1 << 3) | (1 << 2), (1 << 4) | (1 << 3)):
            walked = [o for o, link in g.adj.get(node, {}).items() if link.has(mask)]
            assert list(g.neighbours(node, mask)) == walked


def test_random_graphs_do_hold_cycles() -> None:
    """The comparison above is not vacuous: some random graphs have fund cycles."""
    found = 0
    for seed in range(40):
        g = _random_graph(random.Random(seed), size=6)
        found += sum(
            bool(flows.fund_cycle(g, n, 0.0, 5, 2000, 0.0)) for n in g.adj if n[0] == "account"
        )
    assert found > 0


def _plain_flags(g: LinkGraph, node: Node, budget: int) -> dict[str, float]:
    """The flag features from the full budgeted search, as computed before any shortcut."""
    cfg = g.config
    depth = bfs_depths(g, node, max(cfg.hops, cfg.distance_cap), budget)
    flagged = [d for n, d in depth.items() if n in g.flags]
    return {
        "graph.flagged_neighbours": float(sum(1 for d in flagged if 0 < d <= cfg.hops)),
        "graph.blocklist_distance": float(min([*flagged, cfg.distance_cap])),
    }


@pytest.mark.parametrize("seed", range(30))
def test_flag_reach_keeps_lower_bounds_through_every_change(seed: int) -> None:
    """Links, flags, unflags, evictions and expiry in random order: after each step the
    flag features equal the full search (with small budgets, so truncation is exercised),
    and every node within reach of a flag has a bound no higher than its true distance."""
    rng = random.Random(seed)
    hops, cap = rng.choice(((2, 4), (1, 3), (3, 3), (2, 2)))
    budget = rng.choice((3, 8, 2000))
    cfg = GraphConfig(
        max_degree=rng.choice((3, 6, 12)),
        ttl_seconds=60.0,
        bucket_seconds=10.0,
        hops=hops,
        distance_cap=cap,
        search_budget=budget,
    )
    g = LinkGraph(cfg)
    size = rng.choice((5, 9, 14))
    seen: set[tuple[bool, bool]] = set()
    for step in range(160):
        roll = rng.random()
        if roll < 0.08 and g.adj:
            node = rng.choice(sorted(g.adj))
            g.flag(node[0], node[1], rng.choice(("a", "b")))
        elif roll < 0.12 and g.flags:
            node = rng.choice(sorted(g.flags))
            g.unflag(node[0], node[1], rng.choice(("a", "b", None)))
        elif roll < 0.15:
            g.expire(float(step))
        else:
            a_kind, b_kind, kind = rng.choice(_PAIRS)
            a: Node = (a_kind, f"{a_kind[0]}{rng.randrange(size)}")
            b: Node = (b_kind, f"{b_kind[0]}{rng.randrange(size)}")
            g.add_edge(a, b, kind, float(step), 100.0)
        for node in sorted(g.adj):
            exact = bfs_depths(g, node, cfg.hops + cfg.distance_cap, 10**9)
            near = [d for n, d in exact.items() if n in g.flags]
            if near and min(near) <= g.flag_reach.reach:
                assert g.flag_reach.bound(node) <= min(near)
            fast = _flag_features(g, node, g.stats(node).flagged)
            assert fast == _plain_flags(g, node, budget)
            skipped = g.flag_reach.bound(node) > g.flag_reach.reach
            seen.add((skipped, fast["graph.blocklist_distance"] < cap))
    assert (False, True) in seen  # flags were found by the search
    if seed % 3 == 0:
        assert (True, False) in seen  # and searches were skipped
