"""Credit-score inflation by fake flows (虚构流水).

Members pass money around a circle (A→B→C→A) again and again, each hop soon after the
last and nearly the whole amount, and buy from a member's own merchant with bank cards;
then each asks for a cash loan as large as it can get, draws it to a card, and stops
paying.
"""

from __future__ import annotations

from riskline.sim import looks
from riskline.sim.typologies.acts import apply_loan, draw, pay
from riskline.sim.typologies.base import DAY, HOUR, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One inflation ring of ``size`` members (at least 3 for a circle)."""
    rng = ring.rng
    members = [ring.existing(p) for p in world.reserve(max(size, 3))]
    start = ring.at(0.0, 0.35)
    for m in members:
        ring.label("account", m.account_id, "member", start, person_id=m.person_id)
        ring.label("person", m.person_id, "member", start)
    owner = members[0]
    merchant = world.spaces["merchant"].one()
    ring.emit(
        "merchant_registered",
        ring.daytime(start - int(rng.integers(3, 30)) * DAY, owner),
        merchant_id=merchant,
        owner_person_id=owner.person_id,
        category="services",
        card=owner.card,
        device_id=owner.device,
        ip=owner.ip,
    )
    ring.label("merchant", merchant, "own_merchant", start)
    phase = int(rng.uniform(14, 35) * DAY / ring.speed)
    ts = start
    while ts < start + phase:
        _circle(ring, members, ring.daytime(ts, owner))
        if rng.random() < 0.5:
            _self_deal(ring, members, merchant, owner, ts + int(rng.integers(1, 6)) * HOUR)
        ts += int(rng.uniform(1, 4) * DAY / ring.speed)
    for m in members:
        ring.camouflage(m, start, ts, int(rng.integers(0, 6) * world.config.camouflage_rate))
        _max_out(ring, m, ring.daytime(ts + int(rng.uniform(0, 4) * DAY), m))


def _circle(ring: Ring, members: list[Actor], ts: int) -> None:
    rng = ring.rng
    order = list(rng.permutation(len(members)))
    amount = ring.transfer(rng.uniform(3000, 30000))
    for i, src in enumerate(order):
        dst = members[order[(i + 1) % len(order)]]
        payer = members[src]
        ring.emit(
            "transfer",
            ts,
            account_id=payer.account_id,
            amount=amount,
            to_account_id=dst.account_id,
            device_id=payer.device,
            ip=payer.ip,
        )
        forward = looks.transfer_cents(rng, amount / 100 * rng.uniform(0.985, 1.0))
        amount = forward if 0.985 * amount <= forward <= amount else amount
        ts = ring.later(ts, 0.1, 3.0)


def _self_deal(ring: Ring, members: list[Actor], merchant: str, owner: Actor, ts: int) -> None:
    rng = ring.rng
    buyer = members[int(rng.integers(1, len(members)))]
    amount = ring.price(rng.uniform(800, 8000), 7)
    pay(ring, buyer, ts, merchant, amount, credit=False, funding="bank_card")
    ring.emit(
        "merchant_payout",
        ring.payout_time(ts, bool(rng.random() < 0.5)),
        merchant_id=merchant,
        card=owner.card,
        amount=amount,
    )


def _max_out(ring: Ring, m: Actor, ts: int) -> None:
    if m.cash_limit <= 0:
        return
    amount = min(ring.loan(m.cash_limit / 100 * ring.rng.uniform(0.8, 1.0)), m.cash_limit)
    apply_loan(ring, m, ts, amount)
    when = ring.later(ts, 0.5, 30.0)
    draw(ring, m, when, amount, m.card if ring.rng.random() < 0.5 else ring.new_card())
    ring.default_loan(m, when, amount)
