"""Multi-lending (多头借贷): bursts of applications here and elsewhere, then default.

Members, coached by one intermediary (whose device and address show up at application
time), apply at many external platforms within days; bureau reports pulled on their
internal applications show the inquiries (their own bureau history is what it was).
They draw the loan and never repay.
"""

from __future__ import annotations

from riskline.sim.typologies.acts import apply_external, apply_loan, draw
from riskline.sim.typologies.base import DAY, Actor, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One intermediary's group of ``size`` borrowers."""
    rng = ring.rng
    agent_device, agent_ip = ring.new_device(), ring.new_ip()
    start = ring.at(0.05, 0.6)
    for person in world.reserve(size):
        member = ring.existing(person)
        ts = start + int(rng.uniform(0, 5) * DAY)
        ring.label("account", member.account_id, "borrower", ts, person_id=member.person_id)
        ring.label("person", member.person_id, "borrower", ts)
        coached = rng.random() < 0.5
        agent = Actor(
            member.person_id,
            member.account_id,
            member.card,
            agent_device if coached else member.device,
            agent_ip if coached else member.ip,
            member.limit,
            member.index,
            night=member.night,
            cash_limit=member.cash_limit,
            geo=member.geo,
        )
        _burst(world, ring, member, ts, agent)


def _burst(world: World, ring: Ring, member: Actor, ts: int, agent: Actor) -> None:
    rng = ring.rng
    span = rng.uniform(2, 10) * DAY / ring.speed
    n_ext = int(rng.integers(4, 16))
    times = sorted(ring.daytime(int(ts + rng.uniform(0, span)), member) for _ in range(n_ext))
    for k, when in enumerate(times):
        amount = ring.loan(rng.uniform(2000, 20000))
        apply_external(ring, member, when, amount, int(rng.integers(0, 1000)))
        if k == n_ext // 2 or k == n_ext - 1:
            later = when + int(rng.integers(600, 7200))
            _internal(world, ring, member, later, k + 1, agent)


def _internal(world: World, ring: Ring, member: Actor, ts: int, seen: int, agent: Actor) -> None:
    rng = ring.rng
    if member.cash_limit <= 0:
        return
    amount = min(ring.loan(rng.uniform(3000, 20000)), member.cash_limit)
    base = int(rng.poisson(float(world.pop.p_inquiry[member.index or 0])))
    overdue = int(world.pop.p_overdue[member.index or 0])
    ring.bureau(
        ts - int(rng.integers(5, 60)),
        member.person_id,
        (seen + base, seen + base + int(rng.poisson(2.0))),
        overdue,
        fraud=True,
    )
    apply_loan(ring, agent, ts, amount)
    when = ring.later(ts, 0.2, 30.0)
    draw(ring, member, when, amount, member.card)
    ring.default_loan(member, when, amount)
