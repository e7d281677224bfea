"""Each typology leaves a signature in the events; computed without labels, checked against them."""

from __future__ import annotations

from typing import Any

from riskline.sim import Labels
from tests.sim import signatures as sig
from tests.sim.conftest import actors

Events = list[dict[str, Any]]


def _hard_accounts(labels: Labels, kind: str) -> set[str]:
    return {a for r in labels.hard_negatives.values() if kind in r["kinds"] for a in r["accounts"]}


def test_cashout_payout_to_buyer_card_right_after_credit_sale(
    events: Events, labels: Labels
) -> None:
    colluding = actors(labels, "cashout", "merchant")
    found = sig.cashout_merchants(events)
    # an owner who pays out to a personal card and shops at the shop shows the same shape:
    # the hard negative (merchant_personal_payout); nobody else does
    owners = {
        e["merchant_id"]: e["owner_person_id"] for e in events if e["type"] == "merchant_registered"
    }
    look_alikes = {
        m
        for m, owner in owners.items()
        if "merchant_personal_payout" in labels.hard_negatives.get(owner, {}).get("kinds", ())
    }
    assert found - colluding <= look_alikes
    # a ring that moved to a new merchant (drift) may not have used its first one by then
    assert len(found) >= len(colluding) - 2 >= 1


def test_farm_accounts_open_in_bursts_on_one_device_or_phone_run(
    events: Events, labels: Labels
) -> None:
    farm = actors(labels, "farm")
    by_device = sig.burst_accounts(events)
    by_phone = sig.phone_run_accounts(events)
    assert by_phone <= farm
    assert len(by_device | by_phone) >= 0.9 * len(farm)
    # branch staff opening customers' accounts on one tablet look like a device burst
    assert by_device - farm <= _hard_accounts(labels, "assisted_signup")


def test_inflation_members_pass_money_through(events: Events, labels: Labels) -> None:
    members = actors(labels, "inflation")
    found = sig.pass_through_accounts(events)
    assert members <= found
    # honest friends settling costs in a circle show the same shape: the hard negative
    assert found - members <= _hard_accounts(labels, "transfer_circle")


def test_takeover_logins_from_several_new_devices(events: Events, labels: Labels) -> None:
    victims = actors(labels, "takeover")
    found = sig.multi_device_takeovers(events)
    assert victims <= found
    # travellers on a hotel computer, people with several phones or a family tablet do too
    kinds = ("traveller_multi_device", "multi_device", "shared_device_household", "new_phone")
    assert found - victims <= set().union(*(_hard_accounts(labels, k) for k in kinds))


def test_multilending_application_bursts(events: Events, labels: Labels) -> None:
    borrowers = actors(labels, "multilend")
    found = sig.application_bursts(events)
    assert borrowers <= found
    assert found - borrowers <= _hard_accounts(labels, "heavy_borrower")


def test_bustout_device_switch_then_drawdown_to_new_card(events: Events, labels: Labels) -> None:
    busters = actors(labels, "bustout")
    found = sig.switch_then_drawdown(events)
    # a buster whose bureau file got it no cash-loan line has nothing to draw
    assert len(busters & found) >= 0.6 * len(busters)
    # a new phone followed by an honest first cash loan can look the same
    assert found - busters - actors(labels, "takeover") <= _hard_accounts(labels, "new_phone")


def test_enterprise_guarantee_circles(events: Events, labels: Labels) -> None:
    circles = [c for c in sig.guarantee_cycles(events) if len(c) >= 3]
    fraud = actors(labels, "enterprise", "enterprise")
    assert fraud <= set().union(*circles)
    assert sum(1 for c in circles if c <= fraud) == len(labels_rings(labels, "enterprise"))
    # legitimate mutual-guarantee groups form circles too: the hard negative
    assert len(circles) > len(labels_rings(labels, "enterprise"))


def test_enterprise_controllers_are_actors_of_other_typologies(labels: Labels) -> None:
    controllers = {
        r["id"]
        for recs in labels.entities.values()
        for r in recs
        if r["typology"] == "enterprise" and r["role"] == "controller"
    }
    others = {
        r["id"]
        for recs in labels.entities.values()
        for r in recs
        if r["level"] == "person" and r["typology"] != "enterprise"
    }
    assert controllers
    assert controllers <= others


def labels_rings(labels: Labels, typology: str) -> list[str]:
    return [k for k, r in labels.rings.items() if r["typology"] == typology]
