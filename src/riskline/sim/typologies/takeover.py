"""Account takeover and multi-device logins.

An attacker group logs into victims' accounts from several new devices and IPs within
hours (sharing its devices across victims), passes an SMS check, then draws a cash
loan to a new card and buys resellable goods on the victim's credit line.
"""

from __future__ import annotations

from riskline.sim.typologies.acts import draw, pay, verify
from riskline.sim.typologies.base import Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]

_FAR_PROVINCES = ("CN-35", "CN-45", "CN-53", "CN-46")


def generate(world: World, ring: Ring, size: int) -> None:
    """One attacker group hitting ``size`` victims."""
    rng = ring.rng
    devices = [ring.new_device() for _ in range(int(rng.integers(2, 5)))]
    ips = [ring.new_ip() for _ in range(int(rng.integers(2, 6)))]
    card = ring.new_card()
    for person in world.reserve(size):
        victim = ring.existing(person)
        ts = ring.at(0.15, 0.9)
        ring.label("account", victim.account_id, "victim", ts, person_id=victim.person_id)
        geo = str(rng.choice(_FAR_PROVINCES))
        for k in range(int(rng.integers(2, 7))):
            ip = ips[int(rng.integers(0, len(ips)))]
            ring.login(victim, ts, devices[k % len(devices)], ip, geo=geo)
            ts = ring.later(ts, 0.05, 2.5)
        victim.device, victim.ip = devices[0], ips[0]
        if rng.random() < 0.4:
            score = int(rng.integers(200, 550))
            verify(ring, victim, ts, victim.device, method="face", score=score, passed=False)
            ts = ring.later(ts, 0.02, 0.3)
        verify(ring, victim, ts, victim.device)
        _cash_out(ring, victim, ring.later(ts, 0.05, 1.5), card)


def _cash_out(ring: Ring, victim: Actor, ts: int, card: str) -> None:
    rng = ring.rng
    amount = int(victim.limit * rng.uniform(0.4, 0.95)) // 100 * 100
    if rng.random() < 0.7:
        draw(ring, victim, ts, amount, card)
    if rng.random() < 0.6:
        ts = ring.later(ts, 0.1, 3.0)
        pay(ring, victim, ts, ring.merchant_of(3), amount // 2 + 100)
    if rng.random() < 0.5:
        ring.emit(
            "transfer",
            ring.later(ts, 0.05, 1.0),
            account_id=victim.account_id,
            amount=ring.money(rng.uniform(500, 5000)),
            to_card=card,
            device_id=victim.device,
            ip=victim.ip,
        )
