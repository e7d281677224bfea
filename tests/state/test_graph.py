"""The link graph in Redis answers as the in-process graph, from any number of processes."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest

from riskline.errors import Unavailable
from riskline.events import (
    EnterpriseRegistered,
    EnterpriseRole,
    Event,
    Funding,
    Login,
    MerchantPayout,
    MerchantRegistered,
    Payment,
    RoleKind,
    Transfer,
)
from riskline.graph import SCHEMA, GraphConfig, GraphRisk
from riskline.state import RedisGraph, SharedState
from tests.features.small import T0

from .conftest import other_process

pytestmark = pytest.mark.redis

# Float sums whose order the in-process graph itself leaves to set iteration (component
# exposure after a re-split) or that come out of PageRank: equal to 1e-9, not bit for bit.
_CLOSE = {"graph.component_exposure", "graph.propagated_risk"}


def _check(want: dict[str, float], got: dict[str, float], where: str) -> None:
    assert set(got) == set(want) == set(SCHEMA), where
    for name, value in want.items():
        if name in _CLOSE:
            assert math.isclose(value, got[name], rel_tol=1e-9, abs_tol=1e-9), (where, name)
        else:
            assert value == got[name], (where, name, value, got[name])


def test_equals_in_process_graph_on_a_simulated_world(
    shared: SharedState, world: list[Event]
) -> None:
    """Two processes take turns; eviction, expiry, re-splits and propagation all happen."""
    config = GraphConfig(search_budget=500, max_degree=30, ttl_seconds=5 * 86400.0)
    every = 250
    local = GraphRisk(config)
    graphs = [
        RedisGraph(shared, config, maintain_every=every),
        RedisGraph(other_process(shared), config, maintain_every=every),
    ]
    seen: dict[str, float] = {}
    for i, event in enumerate(world):
        local.observe(event)
        if (i + 1) % every == 0:
            local.expire(event.occurred_at.timestamp())
            local.refresh()
        want = dict(local.features_for(event))
        graph = graphs[i % 2]
        graph.observe(event)
        _check(want, dict(graph.features_for(event)), f"{i} {event.event_id}")
        for name, value in want.items():
            seen[name] = max(seen.get(name, 0.0), value)
        account = getattr(event, "account_id", None)
        if i % 61 == 7 and account:  # analysts flag some accounts along the way
            local.flag("account", account, "case")
            graphs[(i + 1) % 2].flag("account", account, "case")
    assert local.graph.n_links > 0 and local.propagation.seeds_ > 0
    found = 0
    for kind, key in sorted(local.graph.adj)[::7]:  # rings (farms, fund cycles), as in process
        want = local.rings_for(kind, key)
        assert graphs[1].rings_for(kind, key) == want, (kind, key)
        found += len(want)
    assert found > 0
    assert sum(1 for _ in shared.scan("g", "l")) == local.graph.n_links
    # every feature took part (so the comparison above could fail on each of them)
    assert {k for k, v in seen.items() if v > 0} >= set(SCHEMA) - {
        "graph.linked_flagged_parties",
        "graph.buyer_merchant_shared_identity",
        "graph.merchant_loop_buyers",  # too few sales in 1,500 events: test_cash_out_loops_match
        "graph.purchase_loop",  # likewise
        "graph.owner_loop_buyers",  # likewise
    }


def _registered(i: int, ent: str, roles: tuple[EnterpriseRole, ...]) -> EnterpriseRegistered:
    return EnterpriseRegistered(
        event_id=f"e{i}",
        occurred_at=T0 + timedelta(minutes=i),
        enterprise_id=ent,
        name=ent,
        roles=roles,
    )


def test_cash_out_loops_match(shared: SharedState) -> None:
    """A merchant paying a buyer's purchase back to the buyer's own card, seen by both."""
    at = [T0 + timedelta(hours=h) for h in range(6)]
    events: list[Event] = [
        Transfer(
            event_id="t", occurred_at=at[0], account_id="b", to_card_hash="cb", amount=Decimal(80)
        ),
        Payment(
            event_id="p1",
            occurred_at=at[1],
            account_id="b",
            merchant_id="m",
            amount=Decimal(1000),
            funding=Funding.REVOLVING,
        ),
        MerchantPayout(
            event_id="o", occurred_at=at[2], merchant_id="m", card_hash="cb", amount=Decimal(960)
        ),
        Payment(
            event_id="p2",
            occurred_at=at[3],
            account_id="c",
            merchant_id="m",
            amount=Decimal(900),
            funding=Funding.REVOLVING,
        ),
        Payment(  # the buyer again: its purchase came back to its card through the merchant
            event_id="p3",
            occurred_at=at[4],
            account_id="b",
            merchant_id="m",
            amount=Decimal(700),
            funding=Funding.REVOLVING,
        ),
    ]
    sibling: list[Event] = [  # the organiser's next shop, and a sale there
        MerchantRegistered(
            event_id="m2",
            occurred_at=at[3],
            merchant_id="m2",
            owner_person_id="org",
            category="retail",
            card_hash="c2",
        ),
        Payment(
            event_id="p4",
            occurred_at=at[3],
            account_id="d",
            merchant_id="m2",
            amount=Decimal(900),
            funding=Funding.REVOLVING,
        ),
    ]
    first = MerchantRegistered(
        event_id="m1",
        occurred_at=at[0],
        merchant_id="m",
        owner_person_id="org",
        category="retail",
        card_hash="co",
    )
    events = [first, *events[:4], *sibling, events[4]]
    local, redis_graph = GraphRisk(), RedisGraph(shared)
    seen = []
    for i, event in enumerate(events):
        local.observe(event)
        redis_graph.observe(event)
        seen.append(dict(redis_graph.features_for(event)))
        _check(dict(local.features_for(event)), seen[-1], str(i))
    assert seen[4]["graph.merchant_loop_buyers"] == 1.0
    assert seen[6]["graph.owner_loop_buyers"] == 1.0
    assert seen[7]["graph.purchase_loop"] == 1.0


def test_enterprise_roles_and_linked_flags_match(shared: SharedState) -> None:
    holder = EnterpriseRole("p1", RoleKind.SHAREHOLDER, share=Decimal("0.4"))
    events: list[Event] = [
        _registered(0, "E1", (EnterpriseRole("p1", RoleKind.LEGAL_REPRESENTATIVE), holder)),
        _registered(
            1,
            "E2",
            (
                EnterpriseRole("E1", RoleKind.GUARANTOR, party_kind="enterprise"),
                EnterpriseRole("p2", RoleKind.SHAREHOLDER, share=Decimal("0.1")),
            ),
        ),
        _registered(2, "E1", (holder,)),  # re-registration replaces the roles
        Login(
            event_id="l1", occurred_at=T0 + timedelta(minutes=3), account_id="a1", device_id="d1"
        ),
    ]
    local, redis_graph = GraphRisk(), RedisGraph(shared)
    for i, event in enumerate(events):
        local.observe(event)
        redis_graph.observe(event)
        if i == 1:
            local.flag("enterprise", "E1", "default")
            redis_graph.flag("enterprise", "E1", "default")
        _check(dict(local.features_for(event)), dict(redis_graph.features_for(event)), str(i))
    for person in ("p1", "p2", "p3"):
        assert redis_graph.enterprises_linked_to(person) == local.enterprises_linked_to(person)
    for ent in ("E1", "E2", "E3"):
        assert redis_graph.controllers_of(ent) == local.controllers_of(ent)
    assert [x.role for x in redis_graph.enterprises_linked_to("p1")] == ["shareholder"]


def test_reset_outside_a_rebuild_marks_the_state_stale(shared: SharedState) -> None:
    shared.mark_ready({})
    graph = RedisGraph(shared)
    graph.observe(Login(event_id="l1", occurred_at=T0, account_id="a1", device_id="d1"))
    with pytest.raises(Unavailable, match="marked stale"):
        graph.reset()
    assert shared.ready() is None
    assert sum(1 for _ in shared.scan("g", "l")) == 1  # nothing deleted: a rebuild will
