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

from riskline.credit import BandTable, BureauScore
from riskline.errors import InvalidConfig
from riskline.events.types import Product
from riskline.sim import looks
from riskline.sim.config import WorldConfig
from riskline.sim.ids import IdSpace, card_numbers, id_numbers, phones

__all__ = [
    "CATEGORIES",
    "NEVER",
    "SEGMENTS",
    "Population",
    "World",
    "build_world",
    "granted_limits",
    "settling_households",
]

NEVER = np.iinfo(np.int64).max // 4
DAY = 86_400

# name, log-mean of yuan amount, log-sd, share of amounts rounded to 10 yuan, popularity.
# The rounded share is the same everywhere: what a price looks like must not say who pays,
# and a category's share would (fraud buys electronics more often than groceries).
ROUND_SHARE = 0.2
CATEGORIES: tuple[tuple[str, float, float, float, float], ...] = (
    ("grocery", 3.6, 0.7, ROUND_SHARE, 0.30),
    ("restaurant", 4.0, 0.6, ROUND_SHARE, 0.25),
    ("apparel", 5.2, 0.7, ROUND_SHARE, 0.12),
    ("electronics", 7.0, 0.9, ROUND_SHARE, 0.08),
    ("travel", 6.6, 0.8, ROUND_SHARE, 0.07),
    ("education", 7.4, 0.6, ROUND_SHARE, 0.04),
    ("jewelry", 7.6, 0.9, ROUND_SHARE, 0.03),
    ("services", 5.5, 0.9, ROUND_SHARE, 0.11),
)

# name, share of persons, median monthly card spend (yuan), mean bureau overdue accounts,
# mean bureau inquiries a month
SEGMENTS: tuple[tuple[str, float, float, float, float], ...] = (
    ("prime", 0.50, 6000.0, 0.03, 0.3),
    ("near_prime", 0.35, 4000.0, 0.25, 0.6),
    ("subprime", 0.15, 2500.0, 0.9, 1.2),
)
"""Income and credit segments of the population (see docs/simulator.md for the sources)."""

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
    p_segment: I64
    p_spend: F64
    p_overdue: I64
    p_inquiry: F64
    p_fp1: I64
    p_fp2: I64
    p_hh_fp: I64
    p_vpn: B
    p_gig: B
    p_dev3: S
    a_id: S
    a_person: I64
    a_open_ts: I64
    a_limit: I64
    a_rate: F64
    a_default_ts: I64
    a_late: B
    a_open_dev: S
    a_cash_limit: I64
    a_bill_day: I64
    a_inq30: I64
    a_inq90: I64
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
    device_fp: dict[str, int] = field(default_factory=dict)
    population_fp: dict[str, int] | None = field(default=None, repr=False)

    def fingerprint(self, device: str) -> int:
        """The fingerprint code of any device of the world (made by a ring or a person's own)."""
        code = self.device_fp.get(device)
        return code if code is not None else self._population_codes()[device]

    def _population_codes(self) -> dict[str, int]:
        """Device -> fingerprint code of the population's phones and household devices (lazy)."""
        if self.population_fp is None:
            pop = self.pop
            hh, third = pop.p_hh_dev != "", pop.p_dev3 != ""
            pairs = (
                (pop.p_dev1, pop.p_fp1),
                (pop.p_dev2, pop.p_fp2),
                (pop.p_dev3[third], pop.p_fp1[third]),
                (pop.p_hh_dev[hh], pop.p_hh_fp[hh]),
            )
            self.population_fp = {
                d: c
                for devs, codes in pairs
                for d, c in zip(devs.tolist(), codes.tolist(), strict=True)
            }
        return self.population_fp

    def new_device_code(self, rng: np.random.Generator, emulator: float | None = None) -> int:
        """The fingerprint code of a new device, drawn like everybody's (a farm passes its rate)."""
        cfg = self.config
        rate = cfg.emulator_rate if emulator is None else emulator
        return int(looks.device_codes(rng, 1, rooted=cfg.rooted_rate, emulator=rate)[0])

    def rng(self, *key: int) -> np.random.Generator:
        """A generator seeded by the world seed and a stream key."""
        return np.random.default_rng([self.config.seed, *key])

    def reserve(self, count: int, *, credit: bool = True) -> list[int]:
        """Take ``count`` established persons (accounts opened before the window) for a role.

        With ``credit`` only persons the platform granted a revolving line qualify: a ring
        cannot cash out, and an honest borrower cannot borrow, without one.
        """
        limits, i = self.pop.a_limit, 0
        fits: list[int] = []
        skipped: list[int] = []
        while len(fits) < count and i < len(self.pool):
            person = self.pool[i]
            (fits if not credit or limits[person] > 0 else skipped).append(person)
            i += 1
        if len(fits) < count:
            raise InvalidConfig(
                "population too small for the configured rings and roles: "
                "raise persons or history_days, or lower typology ring rates"
            )
        self.pool = skipped + self.pool[i:]
        return fits

    def emit(self, event_type: str, ts: int, **fields: Any) -> dict[str, Any]:
        """Add a Python-side event (fields in native form: money in cents)."""
        row = {"type": event_type, "ts": int(ts), **fields}
        self.events.append(row)
        return row

    def label(self, **record: Any) -> None:
        """Add a label record."""
        self.labels.append(record)


def settling_households(pop: Population) -> B:
    """Persons of the households (one in five with two or more people) that send money back
    and forth all the time: rent, groceries, pocket money, in both directions."""
    size = np.bincount(pop.p_household)[pop.p_household]
    return np.asarray((size > 1) & (pop.p_household % 5 == 0))


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
    hh_ip = looks.ip_from(rng, np.full(n_hh, looks.BROADBAND, dtype=np.int64))
    change = np.where(
        rng.random(n) < cfg.new_phone_rate, start + rng.integers(2 * DAY, cfg.days * DAY, n), NEVER
    )
    hh_dev_of = np.where(
        shared[households] & (np.bincount(households)[households] > 1), hh_dev[households], ""
    )
    persons = _persons(cfg, rng, n)
    accounts = _accounts(cfg, rng, sp, n, start, persons)
    merchants = _merchants(cfg, rng, sp, n, start)
    codes = looks.device_codes(rng, 3 * n, rooted=cfg.rooted_rate, emulator=cfg.emulator_rate)
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
        p_geo=np.char.add("CN-", rng.choice(PROVINCES, n, p=PROVINCE_P).astype(str)),
        p_fp1=codes[:n],
        p_fp2=codes[n : 2 * n],
        p_hh_fp=codes[2 * n :][households],
        p_dev3=np.where(persons.pop("multi"), sp["device"].take(n), ""),
        **persons,
        **accounts,
        **merchants,
    )


INSTANT_SHARE = 0.5
"""Share of merchants who withdraw their takings during the day (the rest: nightly batch)."""

PROVINCES = np.array([11, 31, 44, 33, 32, 51, 42, 61, 35, 45, 53, 46, 37, 41, 43, 50])
"""Province codes persons live in (and log in from when they travel)."""
PROVINCE_P = np.array([6, 6, 12, 8, 9, 7, 5, 4, 5, 4, 3, 1, 8, 8, 5, 3.0]) / 94.0


def _persons(cfg: WorldConfig, rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Segment, spending, bureau history, VPN habit, gig work, a third device."""
    shares = np.array([s[1] for s in SEGMENTS])
    segment = rng.choice(len(SEGMENTS), n, p=shares / shares.sum())
    spend = np.array([s[2] for s in SEGMENTS])[segment] * rng.lognormal(0.0, 0.5, n)
    overdue = rng.poisson(np.array([s[3] for s in SEGMENTS])[segment])
    inquiry = np.array([s[4] for s in SEGMENTS])[segment] * rng.lognormal(0.0, 0.4, n)
    return {
        "p_segment": segment.astype(np.int64),
        "p_spend": spend,
        "p_overdue": overdue.astype(np.int64),
        "p_inquiry": inquiry,
        "p_vpn": rng.random(n) < cfg.vpn_rate,
        "p_gig": rng.random(n) < cfg.gig_worker_rate,
        "p_night": rng.random(n) < cfg.night_owl_rate,
        "multi": rng.random(n) < cfg.multi_device_rate,
    }


_BANDS = BandTable.default()
_SCORE = BureauScore()


def granted_limits(overdue: I64, inquiries_90d: I64) -> tuple[I64, I64]:
    """Revolving and cash-loan limits (cents) the default policy grants on a bureau report."""
    rev, cash = [], []
    for o, q in zip(overdue.tolist(), inquiries_90d.tolist(), strict=True):
        features = {"person.bureau_overdue_accounts": float(o), "person.bureau_inquiries_90d": q}
        score = _SCORE.score("", features)
        rev.append(int(_BANDS.limit_for(score, Product.REVOLVING)) * 100)
        cash.append(int(_BANDS.limit_for(score, Product.CASH_LOAN)) * 100)
    return np.array(rev, dtype=np.int64), np.array(cash, dtype=np.int64)


def _households(cfg: WorldConfig, rng: np.random.Generator, n: int) -> I64:
    sizes = np.where(rng.random(n) < cfg.household_rate, rng.integers(2, 5, n), 1)
    ids = np.repeat(np.arange(n), sizes)[:n]
    return np.asarray(ids[rng.permutation(n)], dtype=np.int64)


def _accounts(
    cfg: WorldConfig,
    rng: np.random.Generator,
    sp: dict[str, IdSpace],
    n: int,
    start: int,
    persons: dict[str, Any],
) -> dict[str, Any]:
    second = np.flatnonzero(rng.random(n) < cfg.second_account_rate)
    owner = np.concatenate([np.arange(n), second]).astype(np.int64)
    k = owner.size
    hist = start - rng.integers(1, max(cfg.history_days, 2), k) * DAY
    fresh = start + rng.integers(0, cfg.days, k) * DAY
    day0 = np.where(rng.random(k) < cfg.new_account_share, fresh, hist)
    open_ts = looks.day_times(rng, 0, persons["p_night"][owner]) + day0
    open_ts[n:] = np.maximum(open_ts[n:], open_ts[owner[n:]] + rng.integers(1, 60, k - n) * DAY)
    inq30 = rng.poisson(persons["p_inquiry"][owner]) + 1
    inq90 = inq30 + rng.poisson(2 * persons["p_inquiry"][owner])
    limit, cash = granted_limits(persons["p_overdue"][owner], inq90)
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
        "a_cash_limit": cash,
        "a_bill_day": rng.integers(1, 29, k).astype(np.int64),
        "a_inq30": inq30.astype(np.int64),
        "a_inq90": inq90.astype(np.int64),
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
        "m_instant": rng.random(m) < INSTANT_SHARE,
        "m_personal": rng.random(m) < 0.1,
    }
