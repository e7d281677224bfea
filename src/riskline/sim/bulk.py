"""Everyday behaviour of the whole population, one day at a time, vectorised with numpy.

Payments (seasonal by weekday and hour), logins, transfers and merchant payouts,
plus the static onboarding events (account opening, verification, merchant registration).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from riskline.sim.world import CATEGORIES, DAY, F64, I64, S, World

__all__ = ["BulkState", "day_frames", "onboarding_frames"]

_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2.5, 4, 5, 5.5, 7, 8, 6, 5, 5, 5.5, 6, 7.5, 8.5, 8.5, 7, 5, 2.5]
)
_NIGHT = np.array([6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1.5, 2, 2, 2, 2, 2, 2, 3, 3, 4, 5, 6, 6, 6.0])
HOUR_P = _HOURS / _HOURS.sum()
NIGHT_P = _NIGHT / _NIGHT.sum()
FINGERPRINTS = tuple(
    f'{{"os":"{os}","screen":"{scr}","tz":"+08:00"}}'
    for os in ("android-13", "android-14", "ios-17", "ios-18")
    for scr in ("1080x2400", "1170x2532", "1284x2778")
)
_MU = np.array([c[1] for c in CATEGORIES])
_SD = np.array([c[2] for c in CATEGORIES])
_ROUND = np.array([c[3] for c in CATEGORIES])
FUNDING = np.array(["revolving", "bank_card", "cash_balance"])


class BulkState:
    """What the daily generator carries over: cycle spend per account, merchant revenue."""

    def __init__(self, world: World) -> None:
        pop = world.pop
        self.cycle_spend: F64 = np.zeros(pop.a_id.size)
        self.prev_revenue: F64 = np.zeros(pop.m_id.size)
        order = np.argsort(pop.p_household, kind="stable")
        hh = pop.p_household[order]
        self.hh_order: I64 = order.astype(np.int64)
        self.hh_first: I64 = np.searchsorted(hh, pop.p_household).astype(np.int64)
        self.hh_size: I64 = np.bincount(pop.p_household)[pop.p_household].astype(np.int64)
        mobile: S = np.char.add("117.136.", np.arange(4000).astype(str))
        mobile = np.char.add(np.char.add(mobile, "."), "1")
        self.n_mobile = mobile.size
        self.persons = pop.p_id.size
        # string tables gathered by integer index: cheaper than numpy -> polars strings
        self.accounts = pl.Series(pop.a_id)
        self.merchants = pl.Series(pop.m_id)
        self.devices = pl.Series(np.concatenate([pop.p_dev1, pop.p_dev2, pop.p_hh_dev]))
        self.ips = pl.Series(np.concatenate([pop.p_ip, mobile]))
        self.geos = pl.Series(pop.p_geo)
        self.cards = pl.Series(pop.p_card)
        self.fingerprints = pl.Series(FINGERPRINTS)
        self.funding = pl.Series(FUNDING)


def _times(rng: np.random.Generator, d0: int, night: np.ndarray) -> I64:
    hours = np.where(
        night, rng.choice(24, night.size, p=NIGHT_P), rng.choice(24, night.size, p=HOUR_P)
    )
    return (d0 + hours * 3600 + rng.integers(0, 3600, night.size)).astype(np.int64)


def _device_ip(
    world: World, rng: np.random.Generator, person: I64, ts: I64, state: BulkState
) -> tuple[pl.Series, pl.Series]:
    """Device and IP of each event: own (old or new) phone, household device; home or mobile IP."""
    pop, n = world.pop, state.persons
    dev = np.where(ts >= pop.p_change_ts[person], person + n, person)
    shared = (pop.p_hh_dev[person] != "") & (rng.random(person.size) < 0.4)
    dev = np.where(shared, person + 2 * n, dev)
    mobile = n + rng.integers(0, state.n_mobile, person.size)
    ip = np.where(rng.random(person.size) < 0.7, person, mobile)
    return state.devices.gather(dev), state.ips.gather(ip)


def _actors(world: World, rng: np.random.Generator, rate: F64, d0: int) -> I64:
    pop = world.pop
    live = (pop.a_open_ts < d0 + DAY).astype(float)
    counts = rng.poisson(rate * live)
    return np.repeat(np.arange(pop.a_id.size, dtype=np.int64), counts)


def _payments(
    world: World, rng: np.random.Generator, d0: int, factor: float, state: BulkState
) -> tuple[pl.DataFrame, F64]:
    pop, cfg = world.pop, world.config
    acc = _actors(world, rng, pop.a_rate * cfg.payment_rate * factor, d0)
    person = pop.a_person[acc]
    ts = _times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    weights = np.where(pop.m_open_ts <= d0, pop.m_weight, 0.0)
    cum = np.cumsum(weights) / weights.sum()
    merch = np.minimum(np.searchsorted(cum, rng.random(acc.size)), cum.size - 1)
    cat = pop.m_cat[merch]
    yuan = np.exp(_MU[cat] + _SD[cat] * rng.standard_normal(acc.size))
    yuan = np.where(rng.random(acc.size) < _ROUND[cat], np.maximum(np.round(yuan, -1), 10), yuan)
    cents = np.clip(np.round(yuan * 100), 100, pop.a_limit[acc]).astype(np.int64)
    funding = rng.choice(3, acc.size, p=[0.62, 0.28, 0.10])
    revolving = funding == 0
    state.cycle_spend += np.bincount(acc[revolving], cents[revolving], pop.a_id.size)
    revenue: F64 = np.bincount(merch, cents.astype(np.float64), pop.m_id.size).astype(np.float64)
    dev, ip = _device_ip(world, rng, person, ts, state)
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
    """Daily settlement (instant merchants the same evening, others next night).

    Some owners now and then settle to their personal card instead of the shop's card.
    """
    pop = world.pop
    instant = pop.m_instant
    amount = np.where(instant, revenue, state.prev_revenue)
    state.prev_revenue = revenue
    hour = np.where(instant, rng.integers(22, 24, amount.size), rng.integers(1, 5, amount.size))
    ts = d0 + hour * 3600 + rng.integers(0, 3600, amount.size)
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
    ts = _times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    dev, ip = _device_ip(world, rng, person, ts, state)
    fp = (person * 7 + (ts >= pop.p_change_ts[person])) % len(FINGERPRINTS)
    return pl.DataFrame(
        {
            "ts": ts,
            "account_id": state.accounts.gather(acc),
            "device_id": dev,
            "ip": ip,
            "geo": state.geos.gather(person),
            "fingerprint": state.fingerprints.gather(fp),
        }
    )


def _transfers(world: World, rng: np.random.Generator, d0: int, state: BulkState) -> pl.DataFrame:
    pop = world.pop
    acc = _actors(world, rng, np.full(pop.a_id.size, world.config.transfer_rate), d0)
    person = pop.a_person[acc]
    ts = _times(rng, d0, pop.p_night[person])
    keep = ts >= pop.a_open_ts[acc]
    acc, person, ts = acc[keep], person[keep], ts[keep]
    mate = state.hh_order[
        state.hh_first[person] + rng.integers(0, 1 << 30, acc.size) % state.hh_size[person]
    ]
    mate = np.where(mate == person, rng.integers(0, world.config.persons, acc.size), mate)
    to_card = rng.random(acc.size) < 0.5
    cents = np.round(np.exp(rng.normal(5.5, 1.0, acc.size)) * 100).astype(np.int64) + 100
    dev, ip = _device_ip(world, rng, person, ts, state)
    frame = pl.DataFrame(
        {
            "ts": ts,
            "account_id": state.accounts.gather(acc),
            "amount": cents,
            "to_account_id": state.accounts.gather(mate),
            "to_card": state.cards.gather(person),
            "device_id": dev,
            "ip": ip,
            "_card": to_card,
        }
    )
    return frame.with_columns(
        pl.when(pl.col("_card"))
        .then(None)
        .otherwise(pl.col("to_account_id"))
        .alias("to_account_id"),
        pl.when(pl.col("_card")).then(pl.col("to_card")).otherwise(None).alias("to_card"),
    ).drop("_card")


def day_frames(world: World, day: int, state: BulkState) -> dict[str, pl.DataFrame]:
    """All everyday events of one day of the window, by type."""
    rng = world.rng(1, day)
    d0 = world.start_ts + day * DAY
    weekend = (world.config.start + timedelta(days=day)).weekday() >= 5
    payments, revenue = _payments(world, rng, d0, 1.25 if weekend else 1.0, state)
    return {
        "payment": payments,
        "merchant_payout": _payouts(world, rng, d0, revenue, state),
        "login": _logins(world, rng, d0, state),
        "transfer": _transfers(world, rng, d0, state),
    }


def onboarding_frames(world: World) -> dict[str, pl.DataFrame]:
    """Account openings with identity checks, and merchant registrations, of the population."""
    rng = world.rng(2)
    opened = _openings(world, rng)
    return {
        "account_opened": opened,
        "identity_verified": _verifications(world, rng),
        "merchant_registered": _registrations(world),
    }


def _openings(world: World, rng: np.random.Generator) -> pl.DataFrame:
    pop = world.pop
    person = pop.a_person
    hh_dev = pop.p_hh_dev[person]
    device = np.where((hh_dev != "") & (rng.random(person.size) < 0.5), hh_dev, pop.p_dev1[person])
    device = np.where(pop.a_open_dev != "", pop.a_open_dev, device)
    columns = {
        "ts": pop.a_open_ts,
        "account_id": pop.a_id,
        "person_id": pop.p_id[person],
        "phone": pop.p_phone[person],
        "id_number": pop.p_idno[person],
        "device_id": device,
        "ip": pop.p_ip[person],
    }
    return pl.DataFrame(columns)


def _verifications(world: World, rng: np.random.Generator) -> pl.DataFrame:
    pop = world.pop
    size = pop.a_id.size
    score = np.clip(np.round(rng.beta(12, 1.5, size) * 1000), 0, 1000).astype(np.int64)
    method = np.where(rng.random(size) < 0.8, "face", "document")
    columns = {
        "ts": pop.a_open_ts + rng.integers(30, 600, size),
        "account_id": pop.a_id,
        "method": method,
        "score": score,
        "passed": score >= 600,
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
