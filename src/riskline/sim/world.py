"""The population of a world: persons, accounts, devices, households, merchants.

Everything here is vectorised (numpy arrays indexed by person, account or merchant).
Typologies and hard negatives read it and add Python-side events through :class:`World`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import numpy as np
import numpy.typing as npt

from riskline.errors import InvalidConfig
from riskline.sim.config import WorldConfig
from riskline.sim.ids import IdSpace, card_numbers, id_numbers, ip_strings, phones

__all__ = ["CATEGORIES", "NEVER", "Population", "World", "build_world"]

NEVER = np.iinfo(np.int64).max // 4
DAY = 86_400

# name, log-mean of yuan amount, log-sd, share of round amounts, popularity
CATEGORIES: tuple[tuple[str, float, float, float, float], ...] = (
    ("grocery", 3.6, 0.7, 0.05, 0.30),
    ("restaurant", 4.0, 0.6, 0.05, 0.25),
    ("apparel", 5.2, 0.7, 0.15, 0.12),
    ("electronics", 7.0, 0.9, 0.45, 0.08),
    ("travel", 6.6, 0.8, 0.20, 0.07),
    ("education", 7.4, 0.6, 0.60, 0.04),
    ("jewelry", 7.6, 0.9, 0.55, 0.03),
    ("services", 5.5, 0.9, 0.40, 0.11),
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
S = npt.NDArray[np.str_]
B = npt.NDArray[np.bool_]


@dataclass
class Population:
    """Column arrays of persons (p_*), accounts (a_*) and merchants (m_*)."""

    p_id: S
    p_phone: S
    p_idno: S
    p_card: S
    p_ip: S
    p_dev1: S
    p_dev2: S
    p_change_ts: I64
    p_household: I64
    p_hh_dev: S
    p_night: B
    p_geo: S
    a_id: S
    a_person: I64
    a_open_ts: I64
    a_limit: I64
    a_rate: F64
    a_default_ts: I64
    a_late: B
    a_open_dev: S
    m_id: S
    m_owner: I64
    m_cat: I64
    m_weight: F64
    m_card: S
    m_open_ts: I64
    m_instant: B
    m_personal: B


@dataclass
class World:
    """A world under construction: population, id spaces, Python-side events and labels."""

    config: WorldConfig
    pop: Population
    start_ts: int
    end_ts: int
    spaces: dict[str, IdSpace]
    pool: list[int]
    events: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    hard_negatives: dict[int, set[str]] = field(default_factory=dict)
    fraud_persons: list[tuple[str, str]] = field(default_factory=list)

    def rng(self, *key: int) -> np.random.Generator:
        """A generator seeded by the world seed and a stream key."""
        return np.random.default_rng([self.config.seed, *key])

    def reserve(self, count: int) -> list[int]:
        """Take ``count`` established persons (accounts opened before the window) for a role."""
        if count > len(self.pool):
            raise InvalidConfig(
                "population too small for the configured rings and roles: "
                "raise persons or history_days, or lower typology ring rates"
            )
        taken, self.pool = self.pool[:count], self.pool[count:]
        return taken

    def account_of(self, person: int) -> int:
        """Index of a person's primary account (equal to the person index)."""
        return person

    def emit(self, event_type: str, ts: int, **fields: Any) -> dict[str, Any]:
        """Add a Python-side event (fields in native form: money in cents)."""
        row = {"type": event_type, "ts": int(ts), **fields}
        self.events.append(row)
        return row

    def label(self, **record: Any) -> None:
        """Add a label record."""
        self.labels.append(record)


def build_world(config: WorldConfig) -> World:
    """Draw the population of a world (no events yet)."""
    start = int(datetime.combine(config.start, time(), tzinfo=UTC).timestamp())
    spaces = {
        name: IdSpace(prefix, width, salt)
        for salt, (name, prefix, width) in enumerate(
            [
                ("person", "P", 8),
                ("account", "A", 9),
                ("device", "D", 9),
                ("merchant", "M", 7),
                ("enterprise", "E", 7),
                ("phone", "", 10),
                ("idno", "", 14),
                ("card", "", 14),
                ("ip", "", 9),
            ]
        )
    }
    rng = np.random.default_rng([config.seed, 0])
    pop = _population(config, rng, spaces, start)
    hist = pop.a_open_ts[: config.persons] < start - min(30, config.history_days // 2) * DAY
    pool = [int(i) for i in rng.permutation(np.flatnonzero(hist))]
    return World(config, pop, start, start + config.days * DAY, spaces, pool)


def _population(
    cfg: WorldConfig, rng: np.random.Generator, sp: dict[str, IdSpace], start: int
) -> Population:
    n = cfg.persons
    households = _households(cfg, rng, n)
    n_hh = int(households.max()) + 1
    hh_dev = sp["device"].take(n_hh)
    shared = rng.random(n_hh) < cfg.shared_device_rate
    hh_ip = ip_strings(_public_ips(sp["ip"].numbers(n_hh)))
    change = np.where(
        rng.random(n) < cfg.new_phone_rate, start + rng.integers(2 * DAY, cfg.days * DAY, n), NEVER
    )
    hh_dev_of = np.where(
        shared[households] & (np.bincount(households)[households] > 1), hh_dev[households], ""
    )
    accounts = _accounts(cfg, rng, sp, n, start)
    merchants = _merchants(cfg, rng, sp, n, start)
    return Population(
        p_id=sp["person"].take(n),
        p_phone=phones(sp["phone"].numbers(n)),
        p_idno=id_numbers(sp["idno"].numbers(n)),
        p_card=card_numbers(sp["card"].numbers(n)),
        p_ip=hh_ip[households],
        p_dev1=sp["device"].take(n),
        p_dev2=sp["device"].take(n),
        p_change_ts=change.astype(np.int64),
        p_household=households,
        p_hh_dev=hh_dev_of,
        p_night=rng.random(n) < cfg.night_owl_rate,
        p_geo=np.char.add("CN-", rng.choice([11, 31, 44, 33, 32, 51, 42, 61], n).astype(str)),
        **accounts,
        **merchants,
    )


def _households(cfg: WorldConfig, rng: np.random.Generator, n: int) -> I64:
    sizes = np.where(rng.random(n) < cfg.household_rate, rng.integers(2, 5, n), 1)
    ids = np.repeat(np.arange(n), sizes)[:n]
    return np.asarray(ids[rng.permutation(n)], dtype=np.int64)


def _public_ips(nums: I64) -> I64:
    return np.asarray((nums % (200 << 24)) + (14 << 24), dtype=np.int64)


def _accounts(
    cfg: WorldConfig, rng: np.random.Generator, sp: dict[str, IdSpace], n: int, start: int
) -> dict[str, Any]:
    second = np.flatnonzero(rng.random(n) < cfg.second_account_rate)
    owner = np.concatenate([np.arange(n), second]).astype(np.int64)
    k = owner.size
    hist = start - rng.integers(DAY, max(cfg.history_days, 2) * DAY, k)
    fresh = start + rng.integers(0, cfg.days * DAY, k)
    open_ts = np.where(rng.random(k) < cfg.new_account_share, fresh, hist)
    open_ts[n:] = np.maximum(open_ts[n:], open_ts[owner[n:]] + rng.integers(DAY, 60 * DAY, k - n))
    limit = np.round(np.exp(rng.normal(np.log(8000), 0.7, k)), -2).clip(1000, 80_000) * 100
    rate = rng.lognormal(0.0, 0.6, k) / np.exp(0.18)
    rate[n:] *= 0.3
    default = np.where(
        rng.random(k) < cfg.hardship_default_rate,
        start + rng.integers(5 * DAY, cfg.days * DAY, k),
        NEVER,
    )
    return {
        "a_id": sp["account"].take(k),
        "a_person": owner,
        "a_open_ts": open_ts.astype(np.int64),
        "a_limit": limit.astype(np.int64),
        "a_rate": rate,
        "a_default_ts": default.astype(np.int64),
        "a_late": rng.random(k) < cfg.late_payment_rate,
        "a_open_dev": np.full(k, "", dtype="<U12"),
    }


def _merchants(
    cfg: WorldConfig, rng: np.random.Generator, sp: dict[str, IdSpace], n: int, start: int
) -> dict[str, Any]:
    m = max(8, round(n * cfg.merchants_per_1k / 1000))
    pops = np.array([c[4] for c in CATEGORIES])
    cat = np.concatenate([np.arange(len(CATEGORIES)), rng.choice(len(CATEGORIES), m - 8, p=pops)])
    weight = rng.pareto(1.2, m) + 0.05
    open_ts = np.where(
        rng.random(m) < 0.1,
        start + rng.integers(0, cfg.days * DAY, m),
        start - rng.integers(DAY, 400 * DAY, m),
    )
    open_ts[:8] = start - 400 * DAY
    return {
        "m_id": sp["merchant"].take(m),
        "m_owner": rng.integers(0, n, m).astype(np.int64),
        "m_cat": cat.astype(np.int64),
        "m_weight": weight,
        "m_card": card_numbers(sp["card"].numbers(m)),
        "m_open_ts": open_ts.astype(np.int64),
        "m_instant": rng.random(m) < 0.2,
        "m_personal": rng.random(m) < 0.1,
    }
