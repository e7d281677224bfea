"""Graph features against brute-force BFS on small random graphs, and identity features."""

from __future__ import annotations

from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.graph import SCHEMA, GraphRisk, subject_of

ACCOUNTS = [f"a{i}" for i in range(8)]
DEVICES = [f"d{i}" for i in range(4)]

# one random "action": (what, account, other account, device, ip)
actions = st.lists(
    st.tuples(
        st.sampled_from(["login", "transfer", "opened"]),
        st.sampled_from(ACCOUNTS),
        st.sampled_from(ACCOUNTS),
        st.sampled_from(DEVICES),
        st.sampled_from(["ip0", "ip1"]),
    ),
    min_size=1,
    max_size=25,
)
flag_sets = st.sets(st.sampled_from([("account", a) for a in ACCOUNTS] + [("device", "d0")]))


def _events(ev, acts):
    out = []
    for what, a, b, d, ip in acts:
        if what == "login":
            out.append(ev.login(a, d, ip=ip))
        elif what == "transfer":
            out.append(ev.transfer(a, to_acct=b))
        else:
            out.append(ev.opened(a, f"p{a}", device=d, ip=ip))
    return out


def _brute_adjacency(acts):
    """Undirected joining edges, written independently of the graph code (IPs never join)."""
    adj: dict[tuple[str, str], set[tuple[str, str]]] = {}

    def link(x, y):
        adj.setdefault(x, set()).add(y)
        adj.setdefault(y, set()).add(x)

    for what, a, b, d, _ in acts:
        acct = ("account", a)
        if what == "transfer":
            link(acct, ("account", b))
        else:
            link(acct, ("device", d))
        if what == "opened":
            for node in [("person", f"p{a}"), ("phone", f"ph-p{a}"), ("id", f"id-p{a}")]:
                link(acct, node)
    return adj


def _bfs(adj, start):
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in adj.get(node, ()):
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


@settings(max_examples=60, deadline=None)
@given(actions, flag_sets)
def test_features_match_brute_force(ev, acts, flags):
    gr = GraphRisk()
    events = _events(ev, acts)
    for e in events:
        gr.observe(e)
    for kind, key in flags:
        gr.flag(kind, key, "blocklist")
    adj = _brute_adjacency(acts)
    for e in events:
        node = subject_of(e)
        if node == ("account", e.account_id) and node not in adj:
            adj[node] = set()
        dist = _bfs(adj, node)
        f = gr.features_for(e)
        assert f["graph.component_size"] == len(dist)
        assert f["graph.component_accounts"] == sum(n[0] == "account" for n in dist)
        assert f["graph.component_flagged"] == len(flags & set(dist))
        flagged = [d for n, d in dist.items() if n in flags]
        assert f["graph.flagged_neighbours"] == sum(1 for d in flagged if 0 < d <= 2)
        assert f["graph.blocklist_distance"] == min([*flagged, 4])
        sharing = {
            x
            for d in adj[node]
            if d[0] == "device"
            for x in adj[d]
            if x[0] == "account" and x != node
        }
        assert f["graph.device_shared_accounts"] == len(sharing)


def test_schema_covers_every_feature_and_types_are_known(ev):
    gr = GraphRisk()
    e = ev.login("a1", "d1")
    gr.observe(e)
    f = gr.features_for(e)
    assert set(f) == set(gr.schema())
    assert set(SCHEMA.values()) <= {"number", "bool"}
    assert all(name.startswith("graph.") for name in f)


def test_buyer_merchant_shared_identity(ev):
    gr = GraphRisk()
    gr.observe(ev.opened("buyer", "pb", device="dev-b"))
    gr.observe(ev.opened("owner-acct", "po", device="dev-b"))  # owner uses the buyer's phone
    gr.observe(ev.merchant("shop", "po"))
    gr.observe(ev.merchant("far", "stranger"))
    near, far = ev.pay("buyer", "shop"), ev.pay("buyer", "far")
    gr.observe(near)
    gr.observe(far)
    assert gr.features_for(near)["graph.buyer_merchant_shared_identity"] == 1.0
    assert gr.features_for(far)["graph.buyer_merchant_shared_identity"] == 0.0


def test_fund_cycle_feature_and_exposure(ev):
    gr = GraphRisk()
    for e in [ev.opened("a", "pa"), ev.drawdown("a", "ca", "700"), ev.merchant("m", "x")]:
        gr.observe(e)
    pay = ev.pay("a", "m", "300")
    gr.observe(pay)
    assert gr.features_for(pay)["graph.fund_cycle"] == 0.0
    gr.observe(ev.payout("m", "ca"))
    f = gr.features_for(pay)
    assert f["graph.fund_cycle"] == 1.0
    assert f["graph.component_exposure"] == 1000.0


def test_propagated_risk_feature_after_refresh(ev):
    gr = GraphRisk()
    events = [ev.login("bad", "d1"), ev.login("near", "d1"), ev.login("far", "d2")]
    for e in events:
        gr.observe(e)
    gr.flag("account", "bad", "case:fraud")
    assert gr.features_for(events[1])["graph.propagated_risk"] == 0.0  # not refreshed yet
    gr.refresh()
    risks = [gr.features_for(e)["graph.propagated_risk"] for e in events]
    assert risks[0] == 1.0
    assert 0.0 < risks[1] < 1.0
    assert risks[2] == 0.0


def test_neighbourhood_view(ev):
    gr = GraphRisk()
    for e in [ev.login("a1", "d1"), ev.login("a2", "d1"), ev.login("a2", "d2", ip="ip9")]:
        gr.observe(e)
    gr.flag("account", "a2", "blocklist")
    gr.refresh()
    view = gr.neighbourhood("account", "a1", depth=2)
    assert [(n.node[1], n.depth) for n in view.nodes] == [("a1", 0), ("d1", 1), ("a2", 2)]
    assert [n.flags for n in view.nodes][2] == ("blocklist",)
    assert len(view.edges) == 2
    assert 0 < view.risk < 1
    deeper = gr.neighbourhood("account", "a1", depth=3, limit=4)
    assert deeper.truncated
    assert len(deeper.nodes) == 4


def test_accounts_opened_on_one_block_of_numbers_are_counted() -> None:
    """graph.phone_block_accounts: other accounts whose phone is in the account's block of 100
    (a farm's bulk-bought SIM cards), read from the account on any later event."""
    from datetime import UTC, datetime, timedelta

    from riskline.events import AccountOpened, Login, PiiHasher
    from riskline.graph import GraphRisk

    hasher = PiiHasher(b"test-secret-for-blocks")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    phones = {"a1": "+8613800138001", "a2": "+8613800138017", "a3": "+8613800138099"}
    phones["x"] = "+8613800138100"  # the next block
    gr = GraphRisk()
    for i, (acct, phone) in enumerate(phones.items()):
        gr.observe(
            AccountOpened(
                event_id=f"o{i}",
                occurred_at=t0 + timedelta(days=i),
                account_id=acct,
                person_id=f"p{acct}",
                phone_hash=hasher.phone(phone),
                id_hash=f"id{acct}",
                phone_block_hash=hasher.phone_block(phone),
            )
        )
    seen = {}
    for acct in phones:
        probe = Login(
            event_id=f"l{acct}",
            occurred_at=t0 + timedelta(days=9),
            account_id=acct,
            device_id=f"d{acct}",
        )
        gr.observe(probe)
        seen[acct] = gr.features_for(probe)["graph.phone_block_accounts"]
    assert seen == {"a1": 2.0, "a2": 2.0, "a3": 2.0, "x": 0.0}
    # the block joins no component: strangers share blocks too
    assert gr.graph.stats(("account", "a1")).by_kind.get("account", 0) == 1
