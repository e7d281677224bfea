"""Account takeover and multi-device logins.

An attacker group logs into victims' accounts from several new devices and IPs within
hours (sharing its devices across victims), passes an SMS check, then draws a cash
loan to a new card and buys resellable goods on the victim's credit line.
"""

from __future__ import annotations

from riskline.sim.typologies.base import Ring
from riskline.sim.world import World

__all__ = ["generate"]


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
        geo = str(rng.choice(["CN-35", "CN-45", "CN-53", "CN-46"]))
        for k in range(int(rng.integers(2, 7))):
            ring.login(
                victim, ts, devices[k % len(devices)], ips[int(rng.integers(0, len(ips)))], geo=geo
            )
            ts = ring.later(ts, 0.05, 2.5)
        device = devices[0]
        if rng.random() < 0.4:
            ring.emit(
                "identity_verified",
                ts,
                account_id=victim.account_id,
                method="face",
                score=int(rng.integers(200, 550)),
                passed=False,
                device_id=device,
            )
            ts = ring.later(ts, 0.02, 0.3)
        ring.emit(
            "identity_verified",
            ts,
            account_id=victim.account_id,
            method="sms",
            score=1000,
            passed=True,
            device_id=device,
        )
        ts = ring.later(ts, 0.05, 1.5)
        amount = int(victim.limit * rng.uniform(0.4, 0.95)) // 100 * 100
        ip = ips[0]
        if rng.random() < 0.7:
            ring.emit(
                "loan_drawdown",
                ts,
                credit=True,
                account_id=victim.account_id,
                product="cash_loan",
                amount=amount,
                card=card,
                device_id=device,
                ip=ip,
            )
        if rng.random() < 0.6:
            ts = ring.later(ts, 0.1, 3.0)
            ring.emit(
                "payment",
                ts,
                credit=True,
                account_id=victim.account_id,
                merchant_id=ring.merchant_of(3),
                amount=amount // 2 + 100,
                funding="revolving",
                device_id=device,
                ip=ip,
            )
        if rng.random() < 0.5:
            ring.emit(
                "transfer",
                ring.later(ts, 0.05, 1.0),
                account_id=victim.account_id,
                amount=ring.money(rng.uniform(500, 5000)),
                to_card=card,
                device_id=device,
                ip=ip,
            )
