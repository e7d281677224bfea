"""Account farms and alt accounts (小号).

One controller opens many accounts in a burst from one or two devices and a proxy IP,
with consecutive phone numbers; sometimes all under the controller's own identity
(alt accounts), sometimes under bought identities. The accounts then draw cash loans
or buy resellable goods on credit to a few cards, and never repay.
"""

from __future__ import annotations

from riskline.sim.typologies.acts import apply_loan, draw, pay
from riskline.sim.typologies.base import DAY, HOUR, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One farm of ``size`` accounts behind a single controller."""
    rng = ring.rng
    burst = ring.at(0.05, 0.55)
    cards = [ring.new_card() for _ in range(int(rng.integers(1, 3)))]
    for actor in _open_burst(world, ring, size, burst):
        actor.card = cards[int(rng.integers(0, len(cards)))]
        quiet = burst + int(rng.uniform(3, 15) * DAY / ring.speed)
        count = int(rng.integers(0, 5) * world.config.camouflage_rate * 2)
        ring.camouflage(actor, burst + DAY, quiet, count)
        _monetise(ring, actor, quiet + int(rng.integers(0, 3)) * DAY)


def _open_burst(world: World, ring: Ring, size: int, ts: int) -> list[Actor]:
    """Accounts opened minutes apart from shared (or rotating) devices and consecutive phones."""
    rng = ring.rng
    rotate = rng.random() < 0.35
    devices = [ring.new_device() for _ in range(size if rotate else int(rng.integers(1, 3)))]
    ip = ring.new_ip()
    phone0 = int(world.spaces["phone"].numbers(1)[0]) * 1000
    alt = rng.random() < 0.3
    controller = world.spaces["person"].one()
    idno0 = int(world.spaces["idno"].numbers(1)[0])
    accounts: list[Actor] = []
    for j in range(size):
        own = alt or j == 0
        person = controller if own else world.spaces["person"].one()
        idno = idno0 if own else int(world.spaces["idno"].numbers(1)[0])
        where = ip if rng.random() < 0.8 else ring.new_ip()
        limit = ring.money(rng.uniform(2000, 6000), 500)
        score = int(rng.integers(620, 880))
        actor = ring.open_account(
            ts, person, phone0 + j, idno, devices[j % len(devices)], where, limit=limit, score=score
        )
        ring.label("account", actor.account_id, "farm_account", ts, person_id=person)
        if j == 0 or not alt:
            ring.label("person", person, "controller" if j == 0 else "identity", ts)
        accounts.append(actor)
        ts = ring.later(ts, 0.03, 0.7)
    return accounts


def _monetise(ring: Ring, actor: Actor, ts: int) -> None:
    rng = ring.rng
    ts = ts - ts % DAY + int(rng.integers(8, 23)) * HOUR
    ring.login(actor, ts - int(rng.integers(60, 900)), actor.device, actor.ip)
    amount = int(actor.limit * rng.uniform(0.7, 1.0)) // 100 * 100
    if rng.random() < 0.6:
        apply_loan(ring, actor, ts, amount)
        when = ring.later(ts, 0.05, 2.0)
        draw(ring, actor, when, amount, actor.card)
        ring.default_loan(actor, when, amount)
        return
    pay(ring, actor, ts, ring.merchant_of(3), amount)
    ring.default_loan(actor, ts, amount, product="revolving")
