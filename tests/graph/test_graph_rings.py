"""Ring detection on hand-built graphs, and enterprise linkage."""

from __future__ import annotations

from decimal import Decimal

from riskline.events import RoleKind
from riskline.graph import GraphConfig, GraphRisk, RingKind

LR, AC, SH, GU, SP = (
    RoleKind.LEGAL_REPRESENTATIVE,
    RoleKind.ACTUAL_CONTROLLER,
    RoleKind.SHAREHOLDER,
    RoleKind.GUARANTOR,
    RoleKind.SPONSOR,
)


def _graph(events):
    gr = GraphRisk()
    for e in events:
        gr.observe(e)
    return gr


def test_account_farm_many_accounts_on_few_devices(ev):
    events = [ev.login(f"f{i}", f"d{i % 2}") for i in range(8)]
    events += [ev.login("f0", "d1")]  # bridges the two device groups
    gr = _graph(events)
    rings = gr.rings_for("account", "f3")
    assert [r.kind for r in rings] == [RingKind.ACCOUNT_FARM]
    farm = rings[0]
    assert {m for m in farm.members if m[0] == "account"} == {
        ("account", f"f{i}") for i in range(8)
    }
    assert {m for m in farm.members if m[0] == "device"} == {("device", "d0"), ("device", "d1")}
    assert len(farm.evidence) == 9
    assert gr.rings_for("device", "d0")[0].id == farm.id
    assert 0.5 < farm.score <= 1.0


def test_household_sharing_a_device_is_no_farm(ev):
    gr = _graph([ev.login("h1", "tablet"), ev.login("h2", "tablet"), ev.login("h3", "tablet")])
    assert gr.rings_for("account", "h1") == []


def test_collusive_merchant_ring_payment_payout_to_payers_card(ev):
    gr = _graph(
        [
            ev.opened("buyer", "pb"),
            ev.drawdown("buyer", "cb", day=0),
            ev.merchant("shop", "owner", card="cs"),
            ev.pay("buyer", "shop", "1000", day=1),
            ev.payout("shop", "cb", "950", day=2),
        ]
    )
    rings = gr.rings_for("account", "buyer")
    assert [r.kind for r in rings] == [RingKind.COLLUSIVE_MERCHANT]
    ring = rings[0]
    assert set(ring.members) == {("account", "buyer"), ("merchant", "shop"), ("card", "cb")}
    kinds = {k for e in ring.evidence for k in e.kinds}
    assert kinds == {"payment", "payout", "drawdown"}
    assert ring.score > 0.6
    assert gr.rings_for("merchant", "shop")[0].id == ring.id


def test_self_dealing_through_own_merchant_is_collusive(ev):
    gr = _graph(
        [
            ev.opened("acct", "p1"),
            ev.merchant("myshop", "p1", card="c1"),
            ev.pay("acct", "myshop", "800"),
        ]
    )
    ring = gr.rings_for("account", "acct")[0]
    assert ring.kind is RingKind.COLLUSIVE_MERCHANT
    assert ("merchant", "myshop") in ring.members


def test_honest_payment_and_own_card_transfer_are_no_cycle(ev):
    gr = _graph(
        [
            ev.opened("a", "pa"),
            ev.drawdown("a", "ca"),
            ev.transfer("a", to_card="ca"),
            ev.merchant("shop", "other", card="cs"),
            ev.pay("a", "shop"),
            ev.payout("shop", "cs"),
        ]
    )
    assert gr.rings_for("account", "a") == []


def test_credit_inflation_cycle_and_window(ev):
    gr = GraphRisk(GraphConfig(cycle_window_seconds=10 * 86400.0))
    for e in [
        ev.transfer("A", to_acct="B", amount="10000", day=0),
        ev.transfer("B", to_acct="C", amount="9900", day=1),
        ev.transfer("C", to_acct="A", amount="9800", day=2),
        ev.transfer("C", to_acct="D", amount="5", day=2),
    ]:
        gr.observe(e)
    rings = gr.rings_for("account", "B")
    assert [r.kind for r in rings] == [RingKind.CREDIT_INFLATION]
    assert set(rings[0].members) == {("account", x) for x in "ABC"}
    # the same ring is found from every member, with the same id
    assert {gr.rings_for("account", x)[0].id for x in "ABC"} == {rings[0].id}
    assert gr.rings_for("account", "D") == []
    gr.observe(ev.login("Z", "dz", day=30))  # time moves on: the cycle leaves the window
    assert gr.rings_for("account", "A") == []


def test_open_chain_is_no_cycle(ev):
    gr = _graph([ev.transfer("A", to_acct="B"), ev.transfer("B", to_acct="C")])
    assert gr.all_rings() == []


def test_enterprise_linkage_queries(ev):
    gr = _graph(
        [
            ev.enterprise(
                "E1",
                [
                    ("p1", LR, "person", None),
                    ("p2", SH, "person", "0.30"),
                    ("p3", SH, "person", "0.10"),
                    ("p4", AC, "person", None),
                ],
            ),
            ev.enterprise(
                "SPV1", [("E1", SP, "enterprise", None), ("p2", LR, "person", None)], spv=True
            ),
        ]
    )
    linked = gr.enterprises_linked_to("p2")
    assert [(x.enterprise_id, x.role, x.share, x.spv) for x in linked] == [
        ("E1", "shareholder", Decimal("0.30"), False),
        ("SPV1", "legal_representative", None, True),
    ]
    assert {x.party[1] for x in gr.controllers_of("E1")} == {"p1", "p2", "p4"}
    sponsor = gr.graph.enterprises.roles_of("SPV1")[0]
    assert (sponsor.party, sponsor.role) == (("enterprise", "E1"), "sponsor")
    assert [(x.party, x.role) for x in gr.controllers_of("SPV1")] == [
        (("enterprise", "E1"), "sponsor"),
        (("person", "p2"), "legal_representative"),
    ]
    # the persons and the SPV are in one component with E1 (role links join)
    assert gr.graph.stats(("person", "p3")).by_kind["enterprise"] == 2


def test_linked_person_flag_reaches_enterprise_feature(ev):
    gr = _graph([ev.enterprise("E1", [("p1", LR, "person", None)]), ev.opened("a1", "p1")])
    gr.flag("person", "p1", "frozen")
    from riskline.events import EnterpriseLoanApplication

    app = EnterpriseLoanApplication(
        event_id="x1",
        occurred_at=ev.login("a1", "d").occurred_at,
        enterprise_id="E1",
        amount=Decimal(1000),
    )
    f = gr.features_for(app)
    assert f["graph.linked_flagged_parties"] == 1.0
    [(link, reasons)] = gr.flagged_parties("E1")
    assert (link.party, link.role, reasons) == (
        ("person", "p1"),
        "legal_representative",
        ("frozen",),
    )
    assert f["graph.blocklist_distance"] == 1.0


def test_guarantee_circle_detection(ev):
    gr = _graph(
        [
            ev.enterprise("E1", [("E2", GU, "enterprise", None)]),
            ev.enterprise("E2", [("E3", GU, "enterprise", None)]),
            ev.enterprise("E3", [("E1", GU, "enterprise", None), ("p9", GU, "person", None)]),
            ev.enterprise("E4", [("E1", GU, "enterprise", None)]),
        ]
    )
    circles = gr.guarantee_circles()
    assert len(circles) == 1
    assert circles[0].members == tuple(("enterprise", e) for e in ("E1", "E2", "E3"))
    assert circles[0].kind is RingKind.GUARANTEE_CIRCLE
    assert [r.id for r in gr.rings_for("enterprise", "E2")] == [circles[0].id]
    assert gr.rings_for("enterprise", "E4") == []


def test_ring_ids_are_deterministic(ev):
    def build():
        gr = GraphRisk()
        for i in range(6):
            gr.observe(ev.login(f"x{i}", "dx"))
        return gr.all_rings()

    first, second = build(), build()
    assert [r.id for r in first] == [r.id for r in second]
    assert len(first) == 1


def test_settling_up_between_two_people_is_no_cycle(ev):
    """A household sending money back and forth, again and again, is not a laundering loop."""
    gr = _graph(
        [
            ev.transfer(a, to_acct=b, amount="5000", day=d)
            for d in range(6)
            for a, b in (("A", "B"), ("B", "A"))
        ]
    )
    assert gr.all_rings() == []
    assert gr.rings_for("account", "A") == []


def test_a_loop_backwards_in_time_is_no_cycle(ev):
    """A→B, B→C, C→A where each hop happened before the money could have arrived."""
    gr = _graph(
        [
            ev.transfer("A", to_acct="B", amount="5000", day=2),
            ev.transfer("B", to_acct="C", amount="5000", day=1),
            ev.transfer("C", to_acct="A", amount="5000", day=0),
        ]
    )
    assert all(gr.rings_for("account", x) == [] for x in "ABC")


def test_a_loop_is_found_from_the_member_it_did_not_start_with(ev):
    """One round A→B→C→A: C's money did not come back to C, but C is in the loop."""
    gr = _graph(
        [
            ev.transfer("A", to_acct="B", amount="5000", day=0),
            ev.transfer("B", to_acct="C", amount="4990", day=1),
            ev.transfer("C", to_acct="A", amount="4980", day=2),
        ]
    )
    assert all(len(gr.rings_for("account", x)) == 1 for x in "ABC")


def test_a_household_passing_small_sums_round_is_no_cycle(ev):
    """Three people settling groceries and rent: the same loop with sums that do not count."""
    gr = _graph(
        [
            ev.transfer(a, to_acct=b, amount=str(150 + 40 * d), day=d)
            for d in range(6)
            for a, b in (("A", "B"), ("B", "C"), ("C", "A"))
        ]
    )
    assert gr.all_rings() == []
