"""Account farms and alt accounts (小号).

One controller opens many accounts in a burst from one or two devices and a proxy or
shared address, with consecutive phone numbers; sometimes all under the controller's
own identity (alt accounts), sometimes under bought identities. Farm phones are
emulators or rooted at the configured ``farm_emulator_rate`` (honest phones at
``emulator_rate``). The accounts then draw cash loans or buy resellable goods on
credit to a few cards, and never repay.

Drift: with drift, a farm switches to fresh devices halfway through its accounts, and
farms started after ``variant_day`` are the dispersed variant: accounts opened days
apart, each on its own device and address, sharing only the cards they cash out to.
"""

from __future__ import annotations

from riskline.sim.typologies.acts import apply_loan, draw, pay
from riskline.sim.typologies.base import DAY, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One farm of ``size`` accounts behind a single controller."""
    rng = ring.rng
    burst = ring.daytime(ring.at(0.05, 0.7))
    cards = [ring.new_card() for _ in range(int(rng.integers(1, 3)))]
    for actor, opened in _open_burst(world, ring, size, burst):
        actor.card = cards[int(rng.integers(0, len(cards)))]
        quiet = opened + int(rng.uniform(3, 15) * DAY / ring.speed)
        count = int(rng.integers(0, 5) * world.config.camouflage_rate * 2)
        ring.camouflage(actor, opened + DAY, quiet, count)
        _monetise(ring, actor, quiet + int(rng.integers(0, 3)) * DAY)


def _dispersed(world: World, ring: Ring, ts: int) -> bool:
    cfg = world.config
    return cfg.drift > 0 and ts >= world.start_ts + cfg.variant_day * DAY


def _open_burst(world: World, ring: Ring, size: int, ts: int) -> list[tuple[Actor, int]]:
    """Accounts opened minutes apart from shared (or rotating) devices and consecutive phones
    (days apart in the dispersed variant), each with the time it was opened: an account is
    used only after it exists."""
    rng = ring.rng
    cfg = world.config
    dispersed = _dispersed(world, ring, ts)
    rotate = dispersed or rng.random() < 0.35
    emulator = cfg.farm_emulator_rate
    devices = [
        ring.new_device(emulator) for _ in range(size if rotate else int(rng.integers(1, 3)))
    ]
    switch = size // 2 if cfg.drift > 0 and not rotate and rng.random() < cfg.drift else size
    later = [ring.new_device(emulator) for _ in devices]
    ip = ring.new_ip()
    phone0 = int(world.spaces["phone"].numbers(1)[0]) * 1000
    alt = rng.random() < 0.3
    controller = world.spaces["person"].one()
    idno0 = int(world.spaces["idno"].numbers(1)[0])
    accounts: list[tuple[Actor, int]] = []
    for j in range(size):
        own = alt or j == 0
        person = controller if own else world.spaces["person"].one()
        idno = idno0 if own else int(world.spaces["idno"].numbers(1)[0])
        where = ip if rng.random() < 0.8 and not dispersed else ring.new_ip()
        pool = devices if j < switch else later
        actor = ring.open_account(ts, person, phone0 + j, idno, pool[j % len(pool)], where)
        ring.label("account", actor.account_id, "farm_account", ts, person_id=person)
        if j == 0 or not alt:
            ring.label("person", person, "controller" if j == 0 else "identity", ts)
        accounts.append((actor, ts))
        ts = ring.later(ts, 24.0, 96.0) if dispersed else ring.later(ts, 0.03, 0.7)
    return accounts


def _monetise(ring: Ring, actor: Actor, ts: int) -> None:
    rng = ring.rng
    if actor.limit <= 0:
        return
    ts = ring.daytime(ts, actor)
    ring.login(actor, ts - int(rng.integers(60, 900)), actor.device, actor.ip)
    if rng.random() < 0.6 and actor.cash_limit > 0:
        amount = min(ring.loan(actor.cash_limit / 100 * rng.uniform(0.7, 1.0)), actor.cash_limit)
        apply_loan(ring, actor, ts, amount)
        when = ring.later(ts, 0.05, 2.0)
        draw(ring, actor, when, amount, actor.card)
        ring.default_loan(actor, when, amount)
        return
    amount = min(ring.price(actor.limit / 100 * rng.uniform(0.7, 1.0), 3), actor.limit)
    pay(ring, actor, ts, ring.merchant_of(3), amount)
    ring.default_loan(actor, ts, amount, product="revolving")
