"""Cash-out evidence: a merchant that hands a buyer's credit purchase back to the buyer's card."""

from __future__ import annotations

from riskline.graph import GraphRisk


def _loops(events, probe):  # type: ignore[no-untyped-def]
    gr = GraphRisk()
    for e in events:
        gr.observe(e)
    gr.observe(probe)
    return gr.features_for(probe)["graph.merchant_loop_buyers"]


def test_purchase_paid_back_to_the_buyers_own_card_marks_the_merchant(ev):  # type: ignore[no-untyped-def]
    setup = [
        ev.opened("b", "pb"),
        ev.transfer("b", to_card="cb", amount="80", day=0),  # the buyer's own card
        ev.merchant("m", "organiser", card="co"),
        ev.pay("b", "m", "1000", day=1),
        ev.payout("m", "cb", "960", day=1.2),  # the purchase less a 4 % fee
    ]
    assert _loops(setup, ev.pay("next", "m", "900", day=2)) == 1.0
    # and the buyer's own account now sits on a loop through the merchant
    gr = GraphRisk()
    for e in setup:
        gr.observe(e)
    again = ev.pay("b", "m", "900", day=3)
    gr.observe(again)
    assert gr.features_for(again)["graph.fund_cycle"] == 1.0


def test_a_shops_settlement_batch_to_its_owner_is_no_loop(ev):  # type: ignore[no-untyped-def]
    events = [
        ev.opened("o", "owner"),
        ev.drawdown("o", "co", "500", day=0),  # the owner's card, which takings go to
        ev.merchant("m", "owner", card="co"),
        ev.opened("c", "pc"),
        ev.drawdown("c", "co2", "500", day=0),
        ev.pay("c", "m", "300", day=1),
        ev.pay("o", "m", "200", day=1),  # the owner shops at the shop
        ev.payout("m", "co", "30000", day=2),  # the day's takings, many sales
    ]
    assert _loops(events, ev.pay("x", "m", "100", day=3)) == 0.0


def test_a_payout_before_the_purchase_or_of_another_size_is_no_loop(ev):  # type: ignore[no-untyped-def]
    before = [
        ev.transfer("b", to_card="cb", day=0),
        ev.payout("m", "cb", "960", day=1),
        ev.pay("b", "m", "1000", day=2),
    ]
    assert _loops(before, ev.pay("x", "m", "100", day=3)) == 0.0
    refund_sized = [
        ev.transfer("b", to_card="cb", day=0),
        ev.pay("b", "m", "1000", day=1),
        ev.payout("m", "cb", "120", day=2),  # a small payout to the buyer: not the purchase
    ]
    assert _loops(refund_sized, ev.pay("x", "m", "100", day=3)) == 0.0


def test_the_organisers_next_shop_inherits_the_loop(ev):  # type: ignore[no-untyped-def]
    setup = [
        ev.opened("b", "pb"),
        ev.transfer("b", to_card="cb", amount="80", day=0),
        ev.merchant("m", "organiser", card="co"),
        ev.pay("b", "m", "1000", day=1),
        ev.payout("m", "cb", "960", day=1.2),
        ev.merchant("m2", "organiser", card="co2", day=2),  # same owner, a new shop
        ev.merchant("m3", "someone", card="co", day=2),  # paid out to the same card
        ev.merchant("m4", "stranger", card="c4", day=2),
    ]
    gr = GraphRisk()
    for e in setup:
        gr.observe(e)
    seen = {}
    for shop in ("m", "m2", "m3", "m4"):
        probe = ev.pay("next", shop, "900", day=3)
        gr.observe(probe)
        f = gr.features_for(probe)
        seen[shop] = (f["graph.merchant_loop_buyers"], f["graph.owner_loop_buyers"])
    assert seen == {
        "m": (1.0, 0.0),
        "m2": (0.0, 1.0),
        "m3": (0.0, 1.0),
        "m4": (0.0, 0.0),
    }
