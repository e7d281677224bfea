"""Online link graph: links from events, components and their stats, caps and expiry."""

from __future__ import annotations

import dataclasses

import pytest

from riskline.errors import InvalidConfig
from riskline.graph import EdgeKind, GraphConfig, LinkGraph

A1, A2, A3 = ("account", "a1"), ("account", "a2"), ("account", "a3")
DAY = 86400.0


def test_account_opened_links_identity_and_joins(ev):
    g = LinkGraph()
    g.observe(ev.opened("a1", "p1", device="d1", ip="ip1"))
    kinds = {other: link.kinds() for other, link in g.links(A1).items()}
    assert kinds == {
        ("person", "p1"): (EdgeKind.HOLDS,),
        ("phone", "ph-p1"): (EdgeKind.PHONE,),
        ("id", "id-p1"): (EdgeKind.ID,),
        ("device", "d1"): (EdgeKind.DEVICE,),
        ("ip", "ip1"): (EdgeKind.IP,),
    }
    stats = g.stats(A1)
    assert stats.size == 5  # the IP is linked but does not join by default
    assert g.stats(("ip", "ip1")).size == 1


def test_shared_ip_joins_only_when_configured(ev):
    events = [ev.login("a1", "d1", ip="ip1"), ev.login("a2", "d2", ip="ip1")]
    default, noisy = LinkGraph(), LinkGraph(GraphConfig(join_kinds=frozenset(EdgeKind)))
    for e in events:
        default.observe(e)
        noisy.observe(e)
    assert default.stats(A1).root != default.stats(A2).root
    assert noisy.stats(A1).root == noisy.stats(A2).root
    assert noisy.stats(A1).by_kind == {"account": 2, "device": 2, "ip": 1}


def test_component_stats_count_flags_and_exposure(ev):
    g = LinkGraph()
    g.observe(ev.login("a1", "d1"))
    g.flag("account", "a1", "blocklist")
    g.flag("account", "a1", "case:fraud")
    g.observe(ev.pay("a1", "m1", "120"))
    g.observe(ev.drawdown("a2", "c2", "300"))
    g.observe(ev.login("a2", "d1"))
    stats = g.stats(A2)
    assert (stats.flagged, stats.exposure, stats.by_kind["account"]) == (1, 420.0, 2)
    g.unflag("account", "a1", "blocklist")
    assert g.stats(A2).flagged == 1  # another reason remains
    g.unflag("account", "a1")
    assert g.stats(A2).flagged == 0
    assert not g.is_flagged(A1)


def test_repeated_edges_aggregate_on_one_link(ev):
    g = LinkGraph()
    g.observe(ev.transfer("a1", to_acct="a2", amount="10", day=0))
    g.observe(ev.transfer("a1", to_acct="a2", amount="15", day=2))
    g.observe(ev.transfer("a2", to_acct="a1", amount="5", day=1))
    link = g.links(A1)[A2]
    assert (g.n_links, link.count, link.amount) == (1, 3, 30.0)
    assert link.out_of(A1, 1 << list(EdgeKind).index(EdgeKind.TRANSFER))
    assert link.last_ts - link.first_ts == 2 * DAY


def test_degree_cap_evicts_least_recent_and_splits_component(ev):
    g = LinkGraph(GraphConfig(max_degree=3))
    for i, day in enumerate([0, 1, 2, 3]):
        g.observe(ev.login(f"a{i}", "shared", day=day))
    assert len(g.links(("device", "shared"))) == 3
    assert ("account", "a0") not in g.links(("device", "shared"))
    assert g.stats(("account", "a0")).size == 5  # stale until rebuild: an over-count
    g.rebuild()
    assert g.stats(("account", "a0")).size == 1
    assert g.stats(("account", "a3")).by_kind == {"account": 3, "device": 1}


def test_expiry_drops_old_behavioural_links_keeps_identity(ev):
    g = LinkGraph(GraphConfig(ttl_seconds=10 * DAY))
    g.observe(ev.opened("a1", "p1", day=0))
    g.observe(ev.login("a1", "d1", day=0))
    g.observe(ev.login("a2", "d1", day=0))
    g.observe(ev.login("a3", "d1", day=8))
    assert g.stats(A1).by_kind["account"] == 3
    removed = g.expire(now_ts=g.now_ts + 5 * DAY)  # day 13: day-0 logins are stale
    assert removed == 2
    assert g.stats(A1).by_kind == {"account": 1, "person": 1, "phone": 1, "id": 1}
    assert g.stats(A3).by_kind == {"account": 1, "device": 1}
    assert A2 not in g
    assert g.stats(A2).size == 1


def test_refreshed_link_survives_expiry(ev):
    g = LinkGraph(GraphConfig(ttl_seconds=10 * DAY))
    g.observe(ev.login("a1", "d1", day=0))
    g.observe(ev.login("a2", "d1", day=0))
    g.observe(ev.login("a1", "d1", day=9))
    assert g.expire(now_ts=g.now_ts + 5 * DAY) == 1
    assert ("device", "d1") in g.links(A1)
    assert A2 not in g


def test_flags_survive_rebuild(ev):
    g = LinkGraph(GraphConfig(ttl_seconds=DAY))
    g.observe(ev.login("a1", "d1", day=0))
    g.flag("device", "d1", "blocklist")
    g.expire(now_ts=g.now_ts + 3 * DAY)
    assert g.stats(("device", "d1")).flagged == 1


def test_config_rejects_nonsense():
    with pytest.raises(InvalidConfig):
        GraphConfig(max_degree=1)
    with pytest.raises(InvalidConfig):
        GraphConfig(restart=1.5)


def test_self_transfer_is_no_link(ev):
    g = LinkGraph()
    g.observe(ev.transfer("a1", to_acct="a1"))
    assert g.n_links == 0
    assert A1 not in g


def test_bucket_entries_stay_bounded_under_churn(ev):
    g = LinkGraph(GraphConfig(max_degree=2, bucket_seconds=60.0, ttl_seconds=1e9))
    for i in range(3000):  # every login evicts an older link of the hub device
        g.observe(ev.login(f"a{i % 50}", "hub", day=i / 1440))
    assert g.bucket_entries > 2 * g.n_links + 1024
    g.expire()
    assert g.bucket_entries == g.n_links
    live = {id(x) for links in g.buckets.values() for x in links}
    assert live == {id(x) for n in g.adj for x in g.links(n).values()}


def test_a_released_step_up_event_links_and_exposes_nothing_again(ev):
    g = LinkGraph()
    held = ev.drawdown("a1", "c1", "300")
    g.observe(held)
    before = {o: (ln.count, ln.amount, ln.kinds()) for o, ln in g.links(A1).items()}, g.stats(A1)
    g.observe(dataclasses.replace(held, event_id="again", step_up="ch-1"))
    after = {o: (ln.count, ln.amount, ln.kinds()) for o, ln in g.links(A1).items()}, g.stats(A1)
    assert after == before
    assert g.stats(A1).exposure == 300.0  # the held drawdown's, once
