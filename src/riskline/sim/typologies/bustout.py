"""Bust-out and repayment evasion.

Established customers behave well, then ramp their revolving use towards the limit,
switch to a new device (re-verifying, as anyone with a new phone does), max out on
credit purchases and a cash loan to a new card within a day or two, and stop repaying.
"""

from __future__ import annotations

from riskline.sim.typologies.acts import apply_loan, draw, pay, verify
from riskline.sim.typologies.base import DAY, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One bust-out group of ``size`` members sharing the device they switch to."""
    rng = ring.rng
    new_device, new_ip = ring.new_device(), ring.new_ip()
    bust = ring.at(0.55, 0.9)
    for person in world.reserve(size):
        member = ring.existing(person)
        ramp_start = world.start_ts + int((bust - world.start_ts) * rng.uniform(0.2, 0.6))
        ring.label("account", member.account_id, "buster", ramp_start, person_id=member.person_id)
        ring.label("person", member.person_id, "buster", ramp_start)
        used = _ramp(ring, member, ramp_start, bust)
        when = ring.daytime(bust + int(rng.uniform(0, 2) * DAY), member)
        switch = ring.daytime(when - int(rng.uniform(0.5, 4) * DAY / ring.speed), member)
        _switch(ring, member, min(switch, when - 600), new_device, new_ip)
        member.device, member.ip = new_device, new_ip
        _pay_out(ring, member, when, used)


def _ramp(ring: Ring, member: Actor, t0: int, t1: int) -> int:
    """Purchases growing in size towards the limit; returns credit used."""
    rng = ring.rng
    steps = int(rng.integers(3, 8))
    used = 0
    for k in range(steps):
        ts = ring.daytime(t0 + (t1 - t0) * k // steps, member)
        share = 0.08 + 0.5 * (k + 1) / steps * rng.uniform(0.5, 1.0)
        amount = ring.price(member.limit / 100 * share / steps * 2 / ring.scale, 2)
        if used + amount > member.limit * 0.9:
            break
        ring.emit(
            "payment",
            ts,
            account_id=member.account_id,
            merchant_id=ring.merchant_of(2),
            amount=amount,
            funding="revolving",
            device_id=member.device,
            ip=member.ip,
        )
        used += amount
    return used


def _switch(ring: Ring, member: Actor, ts: int, device: str, ip: str) -> None:
    ring.login(member, ts, device, ip)
    verify(ring, member, ts + int(ring.rng.integers(30, 600)), device)


def _pay_out(ring: Ring, member: Actor, ts: int, used: int) -> None:
    rng = ring.rng
    room = member.limit - used
    for category in (3, 6):
        amount = ring.price(room / 100 * rng.uniform(0.3, 0.5) / ring.scale, category)
        if amount > room or room < 20_000:
            break
        pay(ring, member, ts, ring.merchant_of(category), amount)
        room -= amount
        ts = ring.later(ts, 0.2, 8.0)
    if member.cash_limit <= 0:
        return
    loan = min(ring.loan(member.cash_limit / 100 * rng.uniform(0.6, 1.0)), member.cash_limit)
    apply_loan(ring, member, ts, loan)
    when = ring.later(ts, 0.1, 6.0)
    draw(ring, member, when, loan, ring.new_card())
    ring.default_loan(member, when, loan)
