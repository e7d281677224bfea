"""Legitimate behaviour that looks like fraud: the hard negatives.

Ordinary cash-loan borrowers, heavy borrowers who shop at several platforms and
repay, people re-verifying after a new phone, friends splitting costs in a circle,
honest hardship defaults, households sharing a device, people with two accounts.
Each hard-negative person is labeled with the kinds that apply.
"""

from __future__ import annotations

import numpy as np

from riskline.sim import looks
from riskline.sim.typologies.acts import apply_external, apply_loan, draw, verify
from riskline.sim.typologies.base import DAY, Actor, Ring, iso
from riskline.sim.world import NEVER, World, settling_households

__all__ = ["add_negatives"]


def add_negatives(world: World) -> None:
    """Add legitimate look-alike behaviour and label hard-negative persons."""
    ring = Ring(world, "legit", 0, 90)
    cfg = world.config
    n = cfg.persons
    for person in world.reserve(int(n * cfg.cash_loan_rate)):
        _borrow(ring, world, person, platforms=0)
    for person in world.reserve(int(n * cfg.heavy_borrower_rate)):
        _borrow(ring, world, person, platforms=int(ring.rng.integers(2, 7)))
        _mark(world, person, "heavy_borrower")
    for _ in range(max(2, n // 1000)):
        _circle(ring, world, world.reserve(int(ring.rng.integers(3, 5))))
    for person in world.reserve(max(2, n // 400)):
        _traveller(ring, world, person)
    _assisted_signups(ring, world, max(1, n // 1500))
    _structural(world, ring)


def _mark(world: World, person: int, kind: str) -> None:
    world.hard_negatives.setdefault(person, set()).add(kind)


def _borrow(ring: Ring, world: World, person: int, platforms: int) -> None:
    """A cash loan within the line granted: bureau report, application, drawdown, instalments.

    Late payers pay a month late after an overdue notice; hardship defaulters stop paying.
    """
    rng = ring.rng
    who = ring.existing(person)
    if who.cash_limit <= 0:
        return
    ts = ring.at(0.0, 0.8)
    for k in range(platforms):
        when = ring.daytime(ts + int(rng.uniform(0, 40) * DAY), who)
        amount = ring.loan(float(rng.uniform(2000, 20000)))
        apply_external(ring, who, when, amount, person + 7 * k, fraud=False)
    amount = min(ring.loan(who.cash_limit / 100 * rng.uniform(0.2, 1.0)), who.cash_limit)
    ts = ring.daytime(ts, who)
    seen = platforms + int(rng.poisson(float(world.pop.p_inquiry[person])))
    inquiries = (seen + 1, seen + 1 + int(rng.poisson(2.0)))
    ring.bureau(
        ts - int(rng.integers(5, 60)),
        who.person_id,
        inquiries,
        int(world.pop.p_overdue[person]),
        fraud=False,
    )
    apply_loan(ring, who, ts, amount, fraud=False)
    when = ring.later(ts, 0.1, 48.0)
    draw(ring, who, when, amount, who.card, fraud=False)
    _repay(ring, world, who, when, amount)


def _repay(ring: Ring, world: World, who: Actor, drawn: int, amount: int) -> None:
    rng = ring.rng
    hardship = rng.random() < world.config.hardship_default_rate * 3
    late = rng.random() < world.config.late_payment_rate
    for month in (1, 2, 3):
        due = drawn - drawn % DAY + 30 * month * DAY
        owed = looks.loan_due_cents(rng, amount // 3, 1.0)
        if (hardship and month >= 2) or (late and month == 1):
            steps = (1, 7, 30) if hardship else (1,)
            ring.overdue(who.account_id, "cash_loan", due, owed, steps, fraud=False)
            if hardship:
                _mark(world, who.index or 0, "hardship_default")
                return
            _mark(world, who.index or 0, "late_payer")
        paid = ring.daytime(
            due
            + (int(rng.integers(2, 12)) if late and month == 1 else -int(rng.integers(0, 5))) * DAY,
            who,
        )
        ring.emit(
            "repayment",
            paid,
            fraud=False,
            account_id=who.account_id,
            product="cash_loan",
            amount=owed,
            due_date=iso(due)[:10],
            paid_at=paid,
        )


def _circle(ring: Ring, world: World, persons: list[int]) -> None:
    """Friends who settle shared costs around a circle every few days to a week and a half,
    often within hours of each other (a shared flat, a car pool)."""
    rng = ring.rng
    members = [ring.existing(p) for p in persons]
    ts = ring.daytime(ring.at(0.0, 0.2))
    while ts < world.end_ts:
        amount = ring.transfer(float(rng.integers(200, 3000)))
        quick = rng.random() < 0.6
        hop = ts
        for k, m in enumerate(members):
            dst = members[(k + 1) % len(members)]
            hop += int(rng.integers(300, 4 * 3600 if quick else 86_400))
            ring.emit(
                "transfer",
                hop,
                fraud=False,
                account_id=m.account_id,
                amount=amount,
                to_account_id=dst.account_id,
                device_id=m.device,
                ip=m.ip,
            )
        ts += int(rng.integers(3, 11)) * DAY
    for p in persons:
        _mark(world, p, "transfer_circle")


def _traveller(ring: Ring, world: World, person: int) -> None:
    """A trip: logins from a hotel computer and a borrowed phone within hours, new IPs."""
    rng = ring.rng
    who = ring.existing(person)
    ts = ring.daytime(ring.at(0.1, 0.9), who)
    geo = ring.new_geo()
    for _ in range(int(rng.integers(2, 4))):
        device = ring.new_device()
        ring.login(who, ts, device, ring.new_ip(hosting=0.02), fraud=False, geo=geo)
        if rng.random() < 0.5:
            verify(ring, who, ts + int(rng.integers(20, 300)), device, fraud=False)
        ts += int(rng.integers(600, 5 * 3600))
    _mark(world, person, "traveller_multi_device")


def _assisted_signups(ring: Ring, world: World, groups: int) -> None:
    """Branch staff opening several customers' accounts on one tablet within hours."""
    pop, rng = world.pop, ring.rng
    n = world.config.persons
    fresh = np.flatnonzero(pop.a_open_ts[:n] >= world.start_ts + DAY)
    fresh = fresh[rng.permutation(fresh.size)]
    pos = 0
    for _ in range(groups):
        size = int(rng.integers(3, 7))
        members, pos = fresh[pos : pos + size], pos + size
        if members.size < 3:
            return
        t0 = int(pop.a_open_ts[members].min())
        tablet = ring.new_device()
        for k, a in enumerate(members):
            pop.a_open_ts[a] = t0 + k * int(rng.integers(300, 5400))
            pop.a_open_dev[a] = tablet
            _mark(world, int(pop.a_person[a]), "assisted_signup")


def _structural(world: World, ring: Ring) -> None:
    """Label households sharing devices, second accounts, new phones, night owls, hardship."""
    pop, n = world.pop, world.config.persons
    for p in np.flatnonzero(pop.p_hh_dev != ""):
        _mark(world, int(p), "shared_device_household")
    for p in pop.a_person[n:]:
        _mark(world, int(p), "two_accounts")
    for p in np.flatnonzero(pop.p_night):
        _mark(world, int(p), "night_owl")
    for p in pop.m_owner[pop.m_personal]:
        _mark(world, int(p), "merchant_personal_payout")
    for p in pop.m_owner[np.isin(pop.m_cat, (3, 5))]:
        _mark(world, int(p), "high_credit_merchant")
    for kind, mask in (
        ("gig_worker", pop.p_gig),
        ("multi_device", pop.p_dev3 != ""),
        ("vpn_user", pop.p_vpn),
        ("rooted_device", (pop.p_fp1 % 3 > 0) | (pop.p_fp2 % 3 > 0)),
        ("household_transfers", settling_households(pop)),
        ("bureau_delinquent", pop.p_overdue >= 2),
    ):
        for p in np.flatnonzero(mask):
            _mark(world, int(p), kind)
    for a in np.flatnonzero(pop.a_default_ts < NEVER):
        _mark(world, int(pop.a_person[a]), "hardship_default")
    for p in np.flatnonzero(pop.p_change_ts < NEVER):
        ts = int(pop.p_change_ts[p])
        if int(pop.a_open_ts[p]) >= ts:
            continue
        _mark(world, int(p), "new_phone")
        acc = ring.existing(int(p))
        ring.login(acc, ts, str(pop.p_dev2[p]), acc.ip, fraud=False, geo=str(pop.p_geo[p]))
        verify(ring, acc, ts + int(ring.rng.integers(30, 600)), str(pop.p_dev2[p]), fraud=False)
