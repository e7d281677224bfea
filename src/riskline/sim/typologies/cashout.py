"""Cash-out through a colluding merchant (虚构交易套现).

Buyers pay the merchant on revolving credit for no goods, large shares of their
available credit; the merchant pays out to a card soon after, mostly the buyer's own
card (seen earlier in the buyer's own transfers), minus a fee. Times, prices and
devices look like everybody's: what gives the ring away is the flow of money.

Drift: when the world has drift, a ring that has been running past the middle of the
window registers a second merchant and moves its later buyers there.
"""

from __future__ import annotations

from riskline.sim.typologies.base import DAY, Actor, Ring
from riskline.sim.world import CATEGORIES, INSTANT_SHARE, World

__all__ = ["generate"]

_CATEGORIES = (3, 6, 7, 5)  # electronics, jewelry, services, education


def generate(world: World, ring: Ring, size: int) -> None:
    """One cash-out ring: an organiser's merchant and ``size`` buyers."""
    rng = ring.rng
    organiser = ring.existing(world.reserve(1, credit=False)[0])
    category = int(rng.choice(_CATEGORIES))
    instant = bool(rng.random() < INSTANT_SHARE)
    registered = ring.at(-0.4, 0.3)
    merchants = [(_register(world, ring, organiser, category, registered), registered)]
    if world.config.drift > 0 and rng.random() < world.config.drift:
        moved = max(ring.at(0.45, 0.6), registered + 7 * DAY)
        merchants.append((_register(world, ring, organiser, category, moved), moved))
    ring.label("person", organiser.person_id, "organiser", registered)
    for person in world.reserve(size):
        buyer = ring.existing(person)
        start = max(ring.at(0.05, 0.85), registered + DAY)
        merchant = [m for m, since in merchants if since + DAY <= start][-1]
        ring.label("account", buyer.account_id, "buyer", start, person_id=buyer.person_id)
        ring.label("person", buyer.person_id, "buyer", start)
        ring.emit(
            "transfer",
            ring.daytime(start - int(rng.integers(2, 10)) * DAY, buyer),
            fraud=False,
            account_id=buyer.account_id,
            amount=ring.transfer(rng.uniform(50, 500)),
            to_card=buyer.card,
            device_id=buyer.device,
            ip=buyer.ip,
        )
        _cash_outs(ring, buyer, organiser, merchant, category, start, instant)


def _register(world: World, ring: Ring, organiser: Actor, category: int, ts: int) -> str:
    merchant = world.spaces["merchant"].one()
    ring.emit(
        "merchant_registered",
        ring.daytime(ts, organiser),
        merchant_id=merchant,
        owner_person_id=organiser.person_id,
        category=CATEGORIES[category][0],
        card=organiser.card,
        device_id=organiser.device,
        ip=organiser.ip,
    )
    ring.label("merchant", merchant, "colluding_merchant", ts)
    _decoy_sales(world, ring, merchant, organiser.card, ts, category)
    return merchant


def _cash_outs(
    ring: Ring,
    buyer: Actor,
    organiser: Actor,
    merchant: str,
    category: int,
    start: int,
    instant: bool,
) -> None:
    rng = ring.rng
    ts = ring.daytime(start, buyer)
    used = 0
    for _ in range(int(rng.integers(1, 4))):
        room = buyer.limit - used
        if room < 50_000:
            break
        amount = min(ring.price(room / 100 * rng.uniform(0.55, 0.97), category), room)
        used += amount
        shared = rng.random() < 0.3
        ring.emit(
            "payment",
            ts,
            credit=True,
            account_id=buyer.account_id,
            merchant_id=merchant,
            amount=amount,
            funding="revolving",
            device_id=organiser.device if shared else buyer.device,
            ip=organiser.ip if shared or rng.random() < 0.2 else buyer.ip,
        )
        fee = rng.uniform(0.01, 0.06)
        card = buyer.card if rng.random() < 0.65 else ring.new_card()
        ring.emit(
            "merchant_payout",
            ring.payout_time(ts, instant),
            merchant_id=merchant,
            card=card,
            amount=max(int(amount * (1 - fee)), 100),
        )
        ts = ring.daytime(ring.later(ts, 24.0, 24.0 * 12), buyer)


def _decoy_sales(
    world: World, ring: Ring, merchant: str, card: str, registered: int, category: int
) -> None:
    """Real sales to random customers, so the merchant is not all fraud."""
    rng = ring.rng
    pop = world.pop
    count = int(rng.integers(3, 25) * world.config.camouflage_rate * 2)
    for _ in range(count):
        acc = int(rng.integers(0, world.config.persons))
        person = int(pop.a_person[acc])
        ts = max(ring.at(0.0, 1.0), registered + DAY, int(pop.a_open_ts[acc]) + 60)
        ts = ring.daytime(ts, ring.existing(person))
        amount = ring.price(float(rng.lognormal(6.5, 0.8)) / ring.scale, category)
        ring.emit(
            "payment",
            ts,
            fraud=False,
            account_id=str(pop.a_id[acc]),
            merchant_id=merchant,
            amount=amount,
            funding="revolving" if rng.random() < 0.7 else "bank_card",
            device_id=str(pop.p_dev1[person]),
            ip=str(pop.p_ip[person]),
        )
        ring.emit(
            "merchant_payout",
            ring.payout_time(ts, bool(rng.random() < INSTANT_SHARE)),
            fraud=False,
            merchant_id=merchant,
            card=card,
            amount=amount,
        )
