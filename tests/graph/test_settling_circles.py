"""Friends settling up round a circle of transfers against loops that pass a merchant.

A circle of friends passing sums that count (1,000 or more) round and round is a fund cycle,
but no purchase of theirs came back to them: the cash-out check (a large credit purchase by an
account whose purchase came back as a merchant's payout or takings, ``graph.purchase_loop``)
leaves them alone. A cash-out buyer whose purchase is paid back to its own card, and an
inflation ring that buys at a member's own shop and passes the takings back round, are caught.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from riskline.decisioning.engine import signal_schema
from riskline.features.default import default_catalog
from riskline.graph import GraphRisk
from riskline.graph.features import SCHEMA as GRAPH_SCHEMA
from riskline.rules import EXAMPLE_RULESET, EmptyLists, load_ruleset

FRIENDS = ("f1", "f2", "f3", "f4")


def _circle(ev: Any, rounds: int, amount: str) -> list[Any]:
    """Friends settling shared costs round a circle every week, each hop hours after the last."""
    events: list[Any] = [ev.opened(a, f"p-{a}") for a in FRIENDS]
    for r in range(rounds):
        for k, a in enumerate(FRIENDS):
            nxt = FRIENDS[(k + 1) % len(FRIENDS)]
            events.append(ev.transfer(a, to_acct=nxt, amount=amount, day=7 * r + 0.1 * k))
    return events


def _features(events: list[Any], probe: Any) -> dict[str, float]:
    gr = GraphRisk()
    for e in events:
        gr.observe(e)
    gr.observe(probe)
    return dict(gr.features_for(probe))


def test_a_settling_circle_is_a_fund_cycle_but_no_purchase_loop(ev):  # type: ignore[no-untyped-def]
    events = [*_circle(ev, rounds=4, amount="1500"), ev.merchant("shop", "stranger")]
    f = _features(events, ev.pay("f1", "shop", "4000", day=25))
    assert f["graph.fund_cycle"] == 1.0  # sums that count went round three other people
    assert f["graph.purchase_loop"] == 0.0  # but none of f1's purchases came back to it


def test_a_purchase_paid_back_to_the_buyers_card_is_a_purchase_loop(ev):  # type: ignore[no-untyped-def]
    events = [
        ev.opened("b", "pb"),
        ev.transfer("b", to_card="cb", amount="80", day=0),  # the buyer's own card
        ev.merchant("m", "organiser", card="co"),
        ev.pay("b", "m", "1000", day=1),
        ev.payout("m", "cb", "960", day=1.2),  # the purchase back, less a 4 % fee
    ]
    f = _features(events, ev.pay("b", "m", "900", day=3))
    assert f["graph.fund_cycle"] == 1.0
    assert f["graph.purchase_loop"] == 1.0


def test_an_inflation_ring_buying_at_its_own_shop_is_a_purchase_loop(ev):  # type: ignore[no-untyped-def]
    """Members pass large sums round (a transfer loop, found first) and one buys at the
    owner's shop, whose takings go to the owner's card and on round the circle."""
    events = [
        *_circle(ev, rounds=3, amount="9000"),
        ev.drawdown("f1", "card-f1", "500", day=0),  # the owner's own card
        ev.merchant("own", "p-f1", card="card-f1"),
        ev.pay("f3", "own", "4000", day=15),
        ev.payout("own", "card-f1", "4000", day=15.2),
        ev.transfer("f1", to_acct="f2", amount="9000", day=15.3),
        ev.transfer("f2", to_acct="f3", amount="9000", day=15.4),
    ]
    f = _features(events, ev.pay("f3", "own", "3000", day=16))
    assert f["graph.fund_cycle"] == 1.0
    assert f["graph.purchase_loop"] == 1.0


def test_a_shop_owner_buying_at_their_own_shop_is_no_loop(ev):  # type: ignore[no-untyped-def]
    """A grocer buys at their own shop on credit and the shop's takings go to their card:
    the money was theirs all along (as with paying one's own card), no fund cycle and no
    purchase loop; the same purchase paid back by someone else's shop is one."""
    own = [
        ev.opened("o", "p-o"),
        ev.drawdown("o", "card-o", "500", day=0),  # the owner's own card
        ev.merchant("grocery", "p-o", card="card-o"),
        ev.pay("o", "grocery", "1600", day=1),
        ev.payout("grocery", "card-o", "1600", day=1.2),
    ]
    f = _features(own, ev.pay("o", "other-shop", "5000", day=3))
    assert f["graph.fund_cycle"] == 0.0
    assert f["graph.purchase_loop"] == 0.0
    theirs = [
        *own[:2],
        ev.merchant("grocery", "p-stranger", card="card-s"),
        ev.pay("o", "grocery", "1600", day=1),
        ev.payout("grocery", "card-o", "1520", day=1.2),  # paid back to the buyer, less 5 %
    ]
    f = _features(theirs, ev.pay("o", "other-shop", "5000", day=3))
    assert f["graph.fund_cycle"] == 1.0
    assert f["graph.purchase_loop"] == 1.0


def _decide(features: dict[str, float], event_type: str, share: float) -> tuple[str, list[str]]:
    rs = load_ruleset(EXAMPLE_RULESET, signal_schema(default_catalog().schema(), GRAPH_SCHEMA))
    values = {**features, "line.amount_to_available": share, "event.amount": 4000.0}
    result = rs.evaluate(values, EmptyLists(), datetime(2026, 2, 1, tzinfo=UTC), event_type)
    return result.outcome.value, sorted(h.reason_code for h in result.hits)


def test_the_cash_out_rule_spares_a_friends_big_purchase_and_stops_a_cash_out_buyer(ev):  # type: ignore[no-untyped-def]
    friend = _features(
        [*_circle(ev, rounds=4, amount="1500"), ev.merchant("shop", "stranger")],
        ev.pay("f1", "shop", "4000", day=25),
    )
    assert "CASHOUT_PATTERN" not in _decide(friend, "payment", share=0.8)[1]
    buyer = _features(
        [
            ev.opened("b", "pb"),
            ev.transfer("b", to_card="cb", amount="80", day=0),
            ev.merchant("m", "organiser", card="co"),
            ev.pay("b", "m", "1000", day=1),
            ev.payout("m", "cb", "960", day=1.2),
        ],
        ev.pay("b", "m", "4000", day=3),
    )
    outcome, codes = _decide(buyer, "payment", share=0.8)
    assert outcome == "decline"
    assert "CASHOUT_PATTERN" in codes
