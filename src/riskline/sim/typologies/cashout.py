"""Cash-out through a colluding merchant (虚构交易套现).

Buyers pay the merchant on revolving credit for no goods, often round amounts near
their limit and at odd hours; the merchant pays out to a card soon after, mostly the
buyer's own card (seen earlier in the buyer's own transfers), minus a fee.
"""

from __future__ import annotations

from riskline.sim.typologies.base import DAY, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]

_CATEGORIES = ("electronics", "jewelry", "services", "education")


def generate(world: World, ring: Ring, size: int) -> None:
    """One cash-out ring: an organiser's merchant and ``size`` buyers."""
    rng = ring.rng
    organiser = ring.existing(world.reserve(1)[0])
    merchant = world.spaces["merchant"].one()
    registered = ring.at(-0.4, 0.3)
    ring.emit(
        "merchant_registered",
        registered,
        merchant_id=merchant,
        owner_person_id=organiser.person_id,
        category=str(rng.choice(_CATEGORIES)),
        card=organiser.card,
        device_id=organiser.device,
        ip=organiser.ip,
    )
    ring.label("merchant", merchant, "colluding_merchant", registered)
    ring.label("person", organiser.person_id, "organiser", registered)
    _decoy_sales(world, ring, merchant, organiser.card, registered)
    for person in world.reserve(size):
        buyer = ring.existing(person)
        start = max(ring.at(0.05, 0.7), registered + DAY)
        ring.label("account", buyer.account_id, "buyer", start, person_id=buyer.person_id)
        ring.label("person", buyer.person_id, "buyer", start)
        ring.emit(
            "transfer",
            start - int(rng.integers(2, 10)) * DAY,
            fraud=False,
            account_id=buyer.account_id,
            amount=ring.money(rng.uniform(50, 500)),
            to_card=buyer.card,
            device_id=buyer.device,
            ip=buyer.ip,
        )
        _cash_outs(ring, buyer, organiser, merchant, start)


def _cash_outs(ring: Ring, buyer: Actor, organiser: Actor, merchant: str, start: int) -> None:
    rng = ring.rng
    ts = start
    used = 0
    for _ in range(int(rng.integers(1, 4))):
        room = buyer.limit - used
        if room < 50_000:
            break
        share = rng.uniform(0.55, 0.97)
        round_to = 100 if rng.random() < 0.7 else 0
        amount = min(ring.money(room / 100 * share, round_to), room)
        used += amount
        if rng.random() < 0.6:
            ts = ring.odd_hour(ts)
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
            ring.later(ts, 0.2, 6.0),
            merchant_id=merchant,
            card=card,
            amount=max(int(amount * (1 - fee)), 100),
        )
        ts = ring.later(ts, 24.0, 24.0 * 12)


def _decoy_sales(world: World, ring: Ring, merchant: str, card: str, registered: int) -> None:
    """Real-looking sales to random customers, so the merchant is not all fraud."""
    rng = ring.rng
    pop = world.pop
    count = int(rng.integers(3, 25) * world.config.camouflage_rate * 2)
    for _ in range(count):
        acc = int(rng.integers(0, world.config.persons))
        ts = max(ring.at(0.0, 1.0), registered + DAY, int(pop.a_open_ts[acc]) + 60)
        ts = ts - ts % DAY + int(rng.integers(9, 21)) * 3600
        amount = ring.money(float(rng.lognormal(6.5, 0.8)), 10 if rng.random() < 0.5 else 0)
        ring.emit(
            "payment",
            ts,
            fraud=False,
            account_id=str(pop.a_id[acc]),
            merchant_id=merchant,
            amount=amount,
            funding="revolving",
            device_id=str(pop.p_dev1[pop.a_person[acc]]),
            ip=str(pop.p_ip[pop.a_person[acc]]),
        )
        ring.emit(
            "merchant_payout",
            ts + DAY - ts % DAY + 2 * 3600,
            fraud=False,
            merchant_id=merchant,
            card=card,
            amount=amount,
        )
