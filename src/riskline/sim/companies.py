"""Legitimate enterprises: roles, guarantee chains (and a few mutual pairs), credit use.

Guarantee chains and mutual guarantees between sister companies are common and
honest; they are the hard negatives of the guarantee-circle typology.
"""

from __future__ import annotations

import json

from riskline.sim import looks
from riskline.sim.typologies.base import DAY, Actor, Ring, iso
from riskline.sim.world import World

__all__ = ["add_enterprises"]


def add_enterprises(world: World) -> None:
    """Register the legitimate enterprises and their credit activity."""
    cfg = world.config
    count = max(4, round(cfg.persons * cfg.enterprises_per_1k / 1000))
    ring = Ring(world, "legit", 1, 91)
    rng = ring.rng
    ids = [world.spaces["enterprise"].one() for _ in range(count)]
    owners = [ring.existing(p) for p in world.reserve(max(2, count * 2 // 3))]
    k = 0
    while k < count:
        size = 3 if k == 0 and count >= 6 else int(rng.integers(1, 5))
        group = ids[k : k + size]
        owner = owners[int(rng.integers(0, len(owners)))]
        rep = owners[int(rng.integers(0, len(owners)))]
        circle = len(group) >= 3 and (k == 0 or rng.random() < 0.25)
        cyclic = circle or (len(group) == 2 and rng.random() < 0.5)
        if circle and owner.index is not None:
            world.hard_negatives.setdefault(owner.index, set()).add("guarantee_circle")
        for j, enterprise in enumerate(group):
            guarantor = group[(j + 1) % len(group)] if cyclic else group[j - 1]
            _register(ring, enterprise, owner, rep, guarantor if cyclic or j > 0 else None)
            if rng.random() < 0.4:
                _borrow(ring, enterprise, owner.card)
        k += len(group)


def _register(ring: Ring, enterprise: str, owner: Actor, rep: Actor, guarantor: str | None) -> None:
    roles: list[dict[str, str]] = [
        {"party_id": rep.person_id, "role": "legal_representative"},
        {"party_id": owner.person_id, "role": "actual_controller"},
        {"party_id": owner.person_id, "role": "shareholder", "share": "0.7"},
    ]
    if guarantor is None:
        roles.append({"party_id": owner.person_id, "role": "guarantor"})
    else:
        roles.append({"party_id": guarantor, "role": "guarantor", "party_kind": "enterprise"})
    ts = ring.world.start_ts - int(ring.rng.integers(30, 900)) * DAY
    ring.emit(
        "enterprise_registered",
        ts,
        fraud=False,
        enterprise_id=enterprise,
        name=f"Trading Co {enterprise[-4:]}",
        roles=json.dumps(roles, separators=(",", ":")),
        spv=bool(ring.rng.random() < ring.world.config.spv_rate),
    )


def _borrow(ring: Ring, enterprise: str, card: str) -> None:
    rng = ring.rng
    ts = ring.daytime(ring.at(0.0, 0.7))
    amount = int(rng.integers(20, 300)) * 1_000_000
    ring.emit(
        "enterprise_loan_application",
        ts,
        fraud=False,
        enterprise_id=enterprise,
        amount=amount,
        purpose="working_capital",
    )
    draw = ring.later(ts, 24.0, 24.0 * 10)
    drawn = int(amount * rng.uniform(0.3, 1.0)) // 10_000 * 10_000
    ring.emit(
        "loan_drawdown",
        draw,
        fraud=False,
        account_id=enterprise,
        product="enterprise_credit",
        amount=drawn,
        card=card,
    )
    for month in (1, 2):
        due = draw - draw % DAY + 30 * month * DAY
        paid = ring.daytime(due - int(rng.integers(0, 6)) * DAY)
        ring.emit(
            "repayment",
            paid,
            fraud=False,
            account_id=enterprise,
            product="enterprise_credit",
            amount=looks.loan_due_cents(rng, drawn // 12, float(month)),
            due_date=iso(due)[:10],
            paid_at=paid,
        )
