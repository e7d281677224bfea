"""Multi-lending (多头借贷): bursts of applications here and elsewhere, then default.

Members, coached by one intermediary (whose device and IP show up at application
time), apply at many external platforms within days; bureau reports pulled on their
internal applications show the inquiries. They draw the loan and never repay.
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
        )
        _burst(ring, member, ts, agent)


def _burst(ring: Ring, member: Actor, ts: int, agent: Actor) -> None:
    rng = ring.rng
    span = rng.uniform(2, 10) * DAY / ring.speed
    n_ext = int(rng.integers(4, 16))
    times = sorted(int(ts + rng.uniform(0, span)) for _ in range(n_ext))
    for k, when in enumerate(times):
        amount = ring.money(rng.uniform(2000, 20000), 1000)
        apply_external(ring, member, when, amount, int(rng.integers(0, 1000)))
        if k == n_ext // 2 or k == n_ext - 1:
            _internal(ring, member, when + int(rng.integers(600, 7200)), k + 1, agent)


def _internal(ring: Ring, member: Actor, ts: int, seen: int, agent: Actor) -> None:
    rng = ring.rng
    amount = ring.money(rng.uniform(3000, 20000), 1000)
    apply_loan(ring, agent, ts, amount)
    noise = int(rng.integers(0, 3))
    ring.emit(
        "bureau_report",
        ts + int(rng.integers(5, 60)),
        person_id=member.person_id,
        inquiries_30d=seen + noise,
        inquiries_90d=seen + noise + int(rng.integers(0, 4)),
        overdue_accounts=int(rng.random() < 0.3),
        overdue_amount=0,
        source="bureau",
    )
    when = ring.later(ts, 0.2, 30.0)
    draw(ring, member, when, amount, member.card)
    ring.default_loan(member, when, amount)
