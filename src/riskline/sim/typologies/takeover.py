"""Account takeover and multi-device logins.

An attacker group logs into victims' accounts from several new devices and addresses
within hours (sharing its devices across victims), passes a re-verification (a face
check fails at ``takeover_face_fail_rate`` before an SMS code gets through, as with a
swapped SIM), then draws a cash loan to a new card and buys resellable goods on the
victim's credit line. Devices, addresses and provinces are drawn like anybody's.

Drift: victims hit after ``variant_day`` are emptied by purchases only (gift cards at
services merchants), with no cash loan.
"""

from __future__ import annotations

from riskline.sim.typologies.acts import apply_loan, draw, pay, verify
from riskline.sim.typologies.base import DAY, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One attacker group hitting ``size`` victims."""
    rng = ring.rng
    devices = [ring.new_device() for _ in range(int(rng.integers(2, 5)))]
    ips = [ring.new_ip() for _ in range(int(rng.integers(2, 6)))]
    card = ring.new_card()
    geo = ring.new_geo()
    for person in world.reserve(size):
        victim = ring.existing(person)
        ts = ring.daytime(ring.at(0.15, 0.9), victim)
        ring.label("account", victim.account_id, "victim", ts, person_id=victim.person_id)
        for k in range(int(rng.integers(2, 7))):
            ip = ips[int(rng.integers(0, len(ips)))]
            ring.login(victim, ts, devices[k % len(devices)], ip, geo=geo)
            ts = ring.later(ts, 0.05, 2.5)
        victim.device, victim.ip = devices[0], ips[0]
        if rng.random() < world.config.takeover_face_fail_rate:
            score = int(rng.integers(200, 590))
            verify(ring, victim, ts, victim.device, method="face", score=score, passed=False)
            ts = ring.later(ts, 0.02, 0.3)
        verify(ring, victim, ts, victim.device, method="sms")
        variant = world.config.drift > 0 and ts >= world.start_ts + world.config.variant_day * DAY
        _cash_out(ring, victim, ring.later(ts, 0.05, 1.5), card, variant)


def _cash_out(ring: Ring, victim: Actor, ts: int, card: str, variant: bool) -> None:
    rng = ring.rng
    if not variant and rng.random() < 0.7 and victim.cash_limit > 0:
        share = rng.uniform(0.4, 0.95)
        amount = min(ring.loan(victim.cash_limit / 100 * share), victim.cash_limit)
        apply_loan(ring, victim, ts, amount)
        ts = ring.later(ts, 0.02, 0.5)
        draw(ring, victim, ts, amount, card)
    if variant or rng.random() < 0.6:
        ts = ring.later(ts, 0.1, 3.0)
        category = 7 if variant else 3
        amount = min(ring.price(victim.limit / 100 * rng.uniform(0.3, 0.6), category), victim.limit)
        pay(ring, victim, ts, ring.merchant_of(category), amount)
    if rng.random() < 0.5:
        ring.emit(
            "transfer",
            ring.later(ts, 0.05, 1.0),
            account_id=victim.account_id,
            amount=ring.transfer(rng.uniform(500, 5000)),
            to_card=card,
            device_id=victim.device,
            ip=victim.ip,
        )
