"""Everyday behaviour of the whole population, one day at a time, vectorised with numpy.

Payments (seasonal by weekday and hour), logins, transfers and merchant payouts,
plus the static onboarding events (account opening, verification, merchant registration).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from riskline.sim import looks
from riskline.sim.world import CATEGORIES, DAY, F64, I64, World, settling_households

__all__ = ["BulkState", "day_factor", "day_frames", "onboarding_frames"]

_MU = np.array([c[1] for c in CATEGORIES])
_SD = np.array([c[2] for c in CATEGORIES])
_ROUND = np.array([c[3] for c in CATEGORIES])
# share of revolving credit per category (electronics, education, jewelry, travel: mostly credit)
_CREDIT = np.array([0.55, 0.5, 0.62, 0.85, 0.7, 0.85, 0.8, 0.6])
FUNDING = np.array(["revolving", "bank_card", "cash_balance"])
_VPN_USE = 0.3
"""Share of a VPN user's events that go through the VPN."""
_HOLIDAYS = {
    (2, 5): 1.3, (2, 6): 1.35, (2, 7): 1.4, (2, 8): 1.4, (2, 9): 1.45, (2, 10): 1.5,
    (2, 11): 1.5, (2, 12): 1.5, (2, 13): 1.3, (2, 14): 1.3, (2, 15): 0.9, (2, 16): 0.8,
    (2, 17): 0.7, (2, 18): 0.75, (2, 19): 0.8, (2, 20): 0.85, (2, 21): 0.9,
    (5, 1): 1.2, (5, 2): 1.2, (6, 18): 1.6, (10, 1): 1.3, (10, 2): 1.3, (10, 3): 1.2,
    (11, 11): 2.2, (12, 12): 1.4,
}  # fmt: skip
"""Shopping factors of Chinese holidays (Spring Festival 2026, Labour Day, 618, National Day,
Double 11, Double 12): a busy run-up, a quiet festival."""


def day_factor(day: date) -> float:
    """How much more than a plain weekday people shop on ``day`` (weekend, payday, holidays)."""
    factor = 1.25 if day.weekday() >= 5 else 1.0
    if day.day in (10, 11, 15, 16):
        factor *= 1.15
    return factor * _HOLIDAYS.get((day.month, day.day), 1.0)


class BulkState:
    """What the daily generator carries over: balances, merchant revenue, shared tables."""

    def __init__(self, world: World) -> None:
        pop = world.pop
        n = pop.p_id.size
        self.cycle_spend: F64 = np.zeros(pop.a_id.size)
        self.balance: F64 = np.zeros(pop.a_id.size)
        self.repay: dict[int, tuple[I64, F64]] = {}
        self.prev_revenue: F64 = np.zeros(pop.m_id.size)
        order = np.argsort(pop.p_household, kind="stable")
        hh = pop.p_household[order]
        self.hh_order: I64 = order.astype(np.int64)
        self.hh_first: I64 = np.searchsorted(hh, pop.p_household).astype(np.int64)
        self.hh_size: I64 = np.bincount(pop.p_household)[pop.p_household].astype(np.int64)
        self.settling = settling_households(pop)
        rng = world.rng(4)
        shared = [
            looks.ip_from(rng, np.full(size, kind, dtype=np.int64))
            for kind, size in (
                (looks.CARRIER, max(500, n // 4)),
                (looks.BROADBAND, max(200, n // 20)),
                (looks.HOSTING, max(100, n // 200)),
            )
        ]
        self.pools = np.cumsum([n] + [p.size for p in shared])
        self.persons = n
        # string tables gathered by integer index: cheaper than numpy -> polars strings
        self.accounts = pl.Series(pop.a_id)
        self.merchants = pl.Series(pop.m_id)
        self.devices = pl.Series(np.concatenate([pop.p_dev1, pop.p_dev2, pop.p_hh_dev, pop.p_dev3]))
        self.codes = np.concatenate([pop.p_fp1, pop.p_fp2, pop.p_hh_fp, pop.p_fp1])
        self.ips = pl.Series(np.concatenate([pop.p_ip, *shared]))
        self.geos = pl.Series(pop.p_geo)
        self.cards = pl.Series(pop.p_card)
        self.fingerprints = pl.Series(looks.FINGERPRINTS)
        self.funding = pl.Series(FUNDING)
        # richer people shop more often: activity grows with the square root of spend
        self.spend_rate: F64 = pop.a_rate * np.sqrt(pop.p_spend[pop.a_person] / 4800.0)


def _device_ip(
    world: World, rng: np.random.Generator, person: I64, ts: I64, state: BulkState
) -> tuple[pl.Series, pl.Series, I64]:
    """Device, IP and fingerprint code of each event.

    Own phone (old or new), the household's shared device, a third device for people with
    several; home broadband, a carrier address (shared by many), public wifi, or a VPN.
    """
    pop, n, size = world.pop, state.persons, person.size
    dev = np.where(ts >= pop.p_change_ts[person], person + n, person)
    shared = (pop.p_hh_dev[person] != "") & (rng.random(size) < 0.4)
    dev = np.where(shared, person + 2 * n, dev)
    third = (pop.p_dev3[person] != "") & (rng.random(size) < 0.3)
    dev = np.where(third, person + 3 * n, dev)
    u = rng.random(size)
    p0, p1, p2, p3 = (int(x) for x in state.pools)
    carrier = p0 + rng.integers(0, p1 - p0, size)
    wifi = p1 + rng.integers(0, p2 - p1, size)
    vpn = p2 + rng.integers(0, p3 - p2, size)
    ip = np.where(u < 0.6, person, np.where(u < 0.96, carrier, wifi))
    ip = np.where(pop.p_vpn[person] & (rng.random(size) < _VPN_USE), vpn, ip)
    return state.devices.gather(dev), state.ips.gather(ip), state.codes[dev]


def _actors(world: World, rng: np.random.Generator, rate: F64, d0: int) -> I64:
    pop = world.pop
    live = (pop.a_open_ts < d0 + DAY).astype(float)
    counts = rng.poisson(rate * live)
    return np.repeat(np.arange(pop.a_id.size, dtype=np.int64), counts)


def _fund(
    world: World,
    rng: np.random.Generator,
    acc: I64,
    ts: I64,
    cents: I64,
    cat: I64,
    state: BulkState,
) -> I64:
    """Funding of each payment: credit when the category invites it and the line has room.

    People know their available credit: a purchase that would not fit goes on a bank card.
    """
    pop = world.pop
    u = rng.random(acc.size)
    credit = _CREDIT[cat]
    funding = np.where(u < credit, 0, np.where(u < credit + (1 - credit) * 0.75, 1, 2))
    order = np.lexsort((ts, acc))
    rev = (funding[order] == 0).astype(np.float64) * cents[order]
    acc_sorted = acc[order]
    cum = np.cumsum(rev)
    first = np.searchsorted(acc_sorted, acc_sorted)
    before = cum - rev - np.where(first > 0, cum[first - 1], 0.0)
    room = pop.a_limit[acc_sorted] * 0.95 - state.balance[acc_sorted]
    over = (funding[order] == 0) & (before + rev > room)
    funding[order[over]] = 1
    return funding.astype(np.int64)


def _payments(
    world: World, rng: np.random.Generator, d0: int, factor: float, state: BulkState
) -> tuple[pl.DataFrame, F64]:
    pop, cfg = world.pop, world.config
    acc = _actors(world, rng, state.spend_rate * cfg.payment_rate * factor, d0)
    person = pop.a_person[acc]
    ts = looks.day_times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    weights = np.where(pop.m_open_ts <= d0, pop.m_weight, 0.0)
    cum = np.cumsum(weights) / weights.sum()
    merch = np.minimum(np.searchsorted(cum, rng.random(acc.size)), cum.size - 1)
    cat = pop.m_cat[merch]
    yuan = np.exp(_MU[cat] + _SD[cat] * rng.standard_normal(acc.size))
    cents = np.minimum(looks.price_shape(rng, yuan, _ROUND[cat]), 5_000_000)
    funding = _fund(world, rng, acc, ts, cents, cat, state)
    revolving = funding == 0
    spent = np.bincount(acc[revolving], cents[revolving], pop.a_id.size)
    state.cycle_spend += spent
    state.balance += spent
    revenue: F64 = np.bincount(merch, cents.astype(np.float64), pop.m_id.size).astype(np.float64)
    dev, ip, _ = _device_ip(world, rng, person, ts, state)
    frame = pl.DataFrame(
        {
            "ts": ts,
            "account_id": state.accounts.gather(acc),
            "merchant_id": state.merchants.gather(merch),
            "amount": cents,
            "funding": state.funding.gather(funding),
            "device_id": dev,
            "ip": ip,
        }
    )
    return frame, revenue


def _payouts(
    world: World, rng: np.random.Generator, d0: int, revenue: F64, state: BulkState
) -> pl.DataFrame:
    """Settlement: instant merchants withdraw during the day, others are paid in the night batch.

    Some owners now and then settle to their personal card instead of the shop's card.
    """
    pop = world.pop
    instant = pop.m_instant
    amount = np.where(instant, revenue, state.prev_revenue)
    state.prev_revenue = revenue
    day = looks.day_times(rng, d0, np.zeros(amount.size, dtype=np.bool_))
    ts = np.where(instant, day, looks.batch_times(rng, d0, amount.size))
    personal = pop.m_personal & (rng.random(amount.size) < 0.3)
    card = np.where(personal, pop.p_card[pop.m_owner], pop.m_card)
    keep = amount >= 100
    columns = {
        "ts": ts[keep].astype(np.int64),
        "merchant_id": pop.m_id[keep],
        "card": card[keep],
        "amount": amount[keep].astype(np.int64),
    }
    return pl.DataFrame(columns)


def _logins(world: World, rng: np.random.Generator, d0: int, state: BulkState) -> pl.DataFrame:
    pop = world.pop
    acc = _actors(world, rng, np.full(pop.a_id.size, world.config.login_rate), d0)
    person = pop.a_person[acc]
    ts = looks.day_times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    dev, ip, codes = _device_ip(world, rng, person, ts, state)
    away = rng.random(acc.size) < 0.03
    geo = np.where(away, rng.integers(0, pop.p_id.size, acc.size), person)
    return pl.DataFrame(
        {
            "ts": ts,
            "account_id": state.accounts.gather(acc),
            "device_id": dev,
            "ip": ip,
            "geo": state.geos.gather(geo),
            "fingerprint": state.fingerprints.gather(codes),
        }
    )


def _transfer_frame(
    world: World,
    rng: np.random.Generator,
    state: BulkState,
    acc: I64,
    ts: I64,
    mate: I64,
    cents: I64,
) -> pl.DataFrame:
    person = world.pop.a_person[acc]
    to_card = (rng.random(acc.size) < 0.5) & (mate == person)
    dev, ip, _ = _device_ip(world, rng, person, ts, state)
    return (
        pl.DataFrame(
            {
                "ts": ts,
                "account_id": state.accounts.gather(acc),
                "amount": looks.transfer_shape(rng, cents),
                "to_account_id": state.accounts.gather(mate),
                "to_card": state.cards.gather(person),
                "device_id": dev,
                "ip": ip,
                "_card": to_card,
            }
        )
        .with_columns(
            pl.when(pl.col("_card"))
            .then(None)
            .otherwise(pl.col("to_account_id"))
            .alias("to_account_id"),
            pl.when(pl.col("_card")).then(pl.col("to_card")).otherwise(None).alias("to_card"),
        )
        .drop("_card")
    )


def _transfers(world: World, rng: np.random.Generator, d0: int, state: BulkState) -> pl.DataFrame:
    """Transfers: to oneself (a card), to household members (both ways, over time), to anyone.

    Gig workers (drivers, couriers, tutors) receive many small transfers from strangers.
    """
    pop, n = world.pop, world.config.persons
    rate = np.full(pop.a_id.size, world.config.transfer_rate)
    rate[:n] *= np.where(state.settling, 6.0, 1.0)
    acc = _actors(world, rng, rate, d0)
    person = pop.a_person[acc]
    ts = looks.day_times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    mate = state.hh_order[
        state.hh_first[person] + rng.integers(0, 1 << 30, acc.size) % state.hh_size[person]
    ]
    anyone = (rng.random(acc.size) < 0.3) & ~state.settling[person]
    mate = np.where(anyone, rng.integers(0, n, acc.size), mate)
    cents = np.round(np.exp(rng.normal(5.5, 1.0, acc.size)) * 100).astype(np.int64) + 100
    frames = [_transfer_frame(world, rng, state, acc, ts, mate, cents)]
    gig = np.flatnonzero(pop.p_gig & (pop.a_open_ts[:n] < d0))
    if gig.size:
        workers = np.repeat(gig, rng.poisson(2.0, gig.size))
        payers = rng.integers(0, n, workers.size)
        live = pop.a_open_ts[payers] < d0
        workers, payers = workers[live], payers[live]
        when = looks.day_times(rng, d0, pop.p_night[payers])
        small = np.round(rng.lognormal(4.0, 0.7, workers.size) * 100).astype(np.int64)
        frames.append(_transfer_frame(world, rng, state, payers, when, workers, small))
    return pl.concat(frames)


def _reverifications(
    world: World, rng: np.random.Generator, d0: int, state: BulkState
) -> pl.DataFrame:
    """Routine re-verification (password reset, a large payment, a new login) on own devices."""
    pop = world.pop
    acc = _actors(world, rng, np.full(pop.a_id.size, world.config.reverify_rate), d0)
    person = pop.a_person[acc]
    ts = looks.day_times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    method, score, passed = looks.verifications(rng, acc.size, looks.REVERIFY)
    dev, _, _ = _device_ip(world, rng, person, ts, state)
    return pl.DataFrame(
        {
            "ts": ts,
            "account_id": state.accounts.gather(acc),
            "method": method,
            "score": score,
            "passed": passed,
            "device_id": dev,
        }
    )


def _settle_repayments(state: BulkState, day: int) -> None:
    due = state.repay.pop(day, None)
    if due is not None:
        acc, paid = due
        np.subtract.at(state.balance, acc, paid)
        np.maximum(state.balance, 0.0, out=state.balance)


def day_frames(world: World, day: int, state: BulkState) -> dict[str, pl.DataFrame]:
    """All everyday events of one day of the window, by type."""
    rng = world.rng(1, day)
    d0 = world.start_ts + day * DAY
    _settle_repayments(state, day)
    factor = day_factor(world.config.start + timedelta(days=day))
    payments, revenue = _payments(world, rng, d0, factor, state)
    return {
        "payment": payments,
        "merchant_payout": _payouts(world, rng, d0, revenue, state),
        "login": _logins(world, rng, d0, state),
        "transfer": _transfers(world, rng, d0, state),
        "identity_verified": _reverifications(world, rng, d0, state),
    }


def onboarding_frames(world: World) -> dict[str, pl.DataFrame]:
    """Account openings (bureau report, opening, identity check) and merchant registrations."""
    rng = world.rng(2)
    opened = _openings(world, rng)
    return {
        "bureau_report": _opening_reports(world, rng),
        "account_opened": opened,
        "identity_verified": _verifications(world, rng),
        "merchant_registered": _registrations(world),
    }


def _opening_reports(world: World, rng: np.random.Generator) -> pl.DataFrame:
    """The bureau report a lender pulls minutes before it opens an account."""
    pop = world.pop
    person = pop.a_person
    overdue = pop.p_overdue[person]
    return pl.DataFrame(
        {
            "ts": pop.a_open_ts - rng.integers(20, 900, person.size),
            "person_id": pop.p_id[person],
            "inquiries_30d": pop.a_inq30,
            "inquiries_90d": pop.a_inq90,
            "overdue_accounts": overdue,
            "overdue_amount": looks.bureau_overdue_cents(rng, overdue),
            "source": "bureau",
        }
    )


def _openings(world: World, rng: np.random.Generator) -> pl.DataFrame:
    pop = world.pop
    person = pop.a_person
    hh_dev = pop.p_hh_dev[person]
    device = np.where((hh_dev != "") & (rng.random(person.size) < 0.5), hh_dev, pop.p_dev1[person])
    device = np.where(pop.a_open_dev != "", pop.a_open_dev, device)
    carrier = looks.ip_from(rng, np.full(person.size, looks.CARRIER, dtype=np.int64))
    ip = np.where(rng.random(person.size) < 0.55, pop.p_ip[person], carrier)
    vpn = looks.ip_from(rng, np.full(person.size, looks.HOSTING, dtype=np.int64))
    ip = np.where(pop.p_vpn[person] & (rng.random(person.size) < _VPN_USE), vpn, ip)
    columns = {
        "ts": pop.a_open_ts,
        "account_id": pop.a_id,
        "person_id": pop.p_id[person],
        "phone": pop.p_phone[person],
        "id_number": pop.p_idno[person],
        "device_id": device,
        "ip": ip,
    }
    return pl.DataFrame(columns)


def _verifications(world: World, rng: np.random.Generator) -> pl.DataFrame:
    pop = world.pop
    size = pop.a_id.size
    method, score, passed = looks.verifications(rng, size, looks.ONBOARDING)
    columns = {
        "ts": pop.a_open_ts + rng.integers(30, 600, size),
        "account_id": pop.a_id,
        "method": method,
        "score": score,
        "passed": passed,
        "device_id": pop.p_dev1[pop.a_person],
    }
    return pl.DataFrame(columns)


def _registrations(world: World) -> pl.DataFrame:
    pop = world.pop
    owner = pop.m_owner
    category = np.array([c[0] for c in CATEGORIES])[pop.m_cat]
    columns = {
        "ts": pop.m_open_ts,
        "merchant_id": pop.m_id,
        "owner_person_id": pop.p_id[owner],
        "category": category,
        "card": pop.m_card,
        "device_id": pop.p_dev1[owner],
        "ip": pop.p_ip[owner],
    }
    return pl.DataFrame(columns)
