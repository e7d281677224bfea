"""Enterprise contagion and guarantee circles.

Enterprises whose actual controller or legal representative is an actor of another
typology guarantee each other in a circle (E1→E2→…→E1), apply for enterprise credit,
draw it to the controller's card, and default.
"""

from __future__ import annotations

import json

from riskline.sim import looks
from riskline.sim.typologies.base import DAY, Ring
from riskline.sim.world import World

__all__ = ["generate"]


def generate(world: World, ring: Ring, size: int) -> None:
    """One circle of ``size`` enterprises run by fraud actors of other typologies."""
    rng = ring.rng
    candidates = [p for p, typ in world.fraud_persons if typ != "enterprise"]
    if candidates:
        pick = int(rng.integers(0, len(candidates)))
        controller = candidates[pick]
        associate = candidates[(pick + 1) % len(candidates)]
    else:
        controller, associate = (ring.existing(p).person_id for p in world.reserve(2))
    card = ring.new_card()
    ids = [world.spaces["enterprise"].one() for _ in range(max(size, 2))]
    registered = ring.at(-0.6, 0.25)
    ring.label("person", controller, "controller", registered)
    for k, enterprise in enumerate(ids):
        guarantor = ids[(k + 1) % len(ids)]
        rep = associate if rng.random() < 0.5 else controller
        roles = [
            {"party_id": rep, "role": "legal_representative"},
            {"party_id": controller, "role": "actual_controller"},
            {"party_id": controller, "role": "shareholder", "share": "0.6"},
            {"party_id": guarantor, "role": "guarantor", "party_kind": "enterprise"},
        ]
        ts = ring.daytime(registered + int(rng.uniform(0, 10)) * DAY)
        ring.emit(
            "enterprise_registered",
            ts,
            enterprise_id=enterprise,
            name=f"Trading Co {enterprise[-4:]}",
            roles=json.dumps(roles, separators=(",", ":")),
            spv=bool(rng.random() < ring.world.config.spv_rate),
        )
        ring.label("enterprise", enterprise, "circle_member", ts)
        _borrow(ring, enterprise, card, max(ts + DAY, ring.at(0.2, 0.8)))


def _borrow(ring: Ring, enterprise: str, card: str, ts: int) -> None:
    rng = ring.rng
    amount = int(rng.integers(20, 300)) * 1_000_000
    ring.emit(
        "enterprise_loan_application",
        ring.daytime(ts),
        enterprise_id=enterprise,
        amount=amount,
        purpose="working_capital",
    )
    draw = ring.later(ts, 24.0, 24.0 * 7)
    ring.emit(
        "loan_drawdown",
        draw,
        credit=True,
        account_id=enterprise,
        product="enterprise_credit",
        amount=int(amount * rng.uniform(0.6, 1.0)) // 10_000 * 10_000,
        card=card,
    )
    due = draw - draw % DAY + 30 * DAY
    ring.overdue(enterprise, "enterprise_credit", due, looks.loan_due_cents(rng, amount // 12, 1.0))
