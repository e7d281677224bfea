"""Shared machinery of typology generators: a ring that emits labeled events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from riskline.sim import looks
from riskline.sim.ids import card_numbers, id_numbers, phones
from riskline.sim.world import (
    CATEGORIES,
    DAY,
    PROVINCE_P,
    PROVINCES,
    SEGMENTS,
    World,
    granted_limits,
)

__all__ = ["DAY", "HOUR", "PLATFORMS", "Actor", "Ring", "iso"]

HOUR = 3600
PLATFORMS = tuple(f"plat{i:02d}" for i in range(1, 31))


def iso(ts: int) -> str:
    """ISO text of an epoch second."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Actor:
    """One account a ring controls, with its person, card, device and IP.

    A person of the population is online like everybody: from home broadband (60 %) or a
    mobile carrier's shared address; an address set by a ring (a proxy) is used as it is.
    """

    def __init__(
        self,
        person_id: str,
        account_id: str,
        card: str,
        device: str,
        ip: str,
        limit: int,
        index: int | None = None,
        *,
        night: bool = False,
        cash_limit: int = 0,
        geo: str = "CN-44",
    ) -> None:
        self.person_id = person_id
        self.account_id = account_id
        self.card = card
        self.device = device
        self.home = ip
        self.roaming: np.random.Generator | None = None
        self.limit = limit
        self.index = index
        self.night = night
        self.cash_limit = cash_limit
        self.geo = geo

    @property
    def ip(self) -> str:
        """The address of the actor's next event (home or carrier when roaming is set)."""
        if self.roaming is None or self.roaming.random() < 0.6:
            return self.home
        kinds = np.full(1, looks.CARRIER, dtype=np.int64)
        return str(looks.ip_from(self.roaming, kinds)[0])

    @ip.setter
    def ip(self, value: str) -> None:
        self.home, self.roaming = value, None


class Ring:
    """A ring of one typology: emits events tagged with labels and records actor labels."""

    def __init__(self, world: World, typology: str, number: int, key: int) -> None:
        self.world = world
        self.typology = typology
        self.ring_id = f"{typology}-{number:03d}"
        self.rng = world.rng(10 + key, number)
        self.first_ts: int | None = None
        self.last_ts: int | None = None
        self.members = 0
        cfg = world.config
        self.speed = cfg.fraud_speed
        self.scale = cfg.fraud_amount_scale

    # time and amounts -------------------------------------------------------
    def at(self, lo: float, hi: float) -> int:
        """A time at a uniform fraction of the window between lo and hi."""
        span = self.world.end_ts - self.world.start_ts
        return int(self.world.start_ts + span * self.rng.uniform(lo, hi))

    def later(self, ts: int, lo_hours: float, hi_hours: float, actor: Actor | None = None) -> int:
        """A time after ``ts`` by a delay in hours scaled by the fraud speed, when awake.

        People act in their waking hours, fraudsters too: a time that falls in an hour the
        actor (a day person unless ``actor`` says otherwise) is rarely active is kept with
        that hour's relative activity, else moved to the actor's next active moment.
        """
        t = int(ts + self.rng.uniform(lo_hours, hi_hours) * HOUR / self.speed)
        night = actor.night if actor is not None else False
        profile = looks.NIGHT_P if night else looks.HOUR_P
        if self.rng.random() * profile.max() < profile[(t % DAY) // HOUR]:
            return t
        moved = looks.daytime(self.rng, t, night=night)
        return moved if moved > t else looks.daytime(self.rng, t + DAY, night=night)

    def daytime(self, ts: int, actor: Actor | None = None) -> int:
        """A time on the day of ``ts`` drawn from the actor's own daily rhythm (as everybody's)."""
        return looks.daytime(self.rng, ts, night=actor.night if actor is not None else False)

    def payout_time(self, ts: int, instant: bool) -> int:
        """Instant merchants withdraw within hours of a sale; others wait for the night batch."""
        if instant:
            return self.later(ts, 0.2, 6.0)
        return int(looks.batch_times(self.rng, ts - ts % DAY + DAY, 1)[0])

    def price(self, yuan: float, category: int) -> int:
        """Cents of a purchase of ``yuan`` (scaled) priced like the category's goods."""
        share = CATEGORIES[category][3]
        return looks.price_cents(self.rng, max(yuan * self.scale, 1.0), round_share=share)

    def loan(self, yuan: float) -> int:
        """Cents of a loan amount of ``yuan`` (scaled), asked for as people ask."""
        return looks.loan_cents(self.rng, yuan * self.scale)

    def transfer(self, yuan: float) -> int:
        """Cents of a person-to-person transfer of ``yuan`` (scaled)."""
        return looks.transfer_cents(self.rng, max(yuan * self.scale, 1.0))

    # events -----------------------------------------------------------------
    def emit(
        self, event_type: str, ts: int, *, fraud: bool = True, credit: bool = False, **fields: Any
    ) -> dict[str, Any]:
        """Emit one event; fraud events carry the ring's labels, credit ones count as at risk."""
        if ts >= self.world.end_ts:
            return {}
        if not fraud:
            return self.world.emit(event_type, ts, **fields)
        self.first_ts = ts if self.first_ts is None else min(self.first_ts, ts)
        self.last_ts = ts if self.last_ts is None else max(self.last_ts, ts)
        amount = fields.get("amount") if credit else None
        return self.world.emit(
            event_type, ts, _typology=self.typology, _ring=self.ring_id, _credit=amount, **fields
        )

    def label(self, level: str, entity: str, role: str, start: int, **extra: Any) -> None:
        """Label an account, person, merchant or enterprise as part of this ring (not one
        whose part starts after the world ends: it has no event to be caught by)."""
        if start >= self.world.end_ts:
            return
        self.members += level == "account"
        self.world.label(
            level=level,
            id=entity,
            typology=self.typology,
            ring_id=self.ring_id,
            role=role,
            start=iso(start),
            start_ts=start,
            **extra,
        )
        if level == "person":
            self.world.fraud_persons.append((entity, self.typology))

    def finish(self) -> None:
        """Record the ring itself with its activity span."""
        if self.first_ts is None or self.last_ts is None:
            return
        self.world.label(
            level="ring",
            id=self.ring_id,
            typology=self.typology,
            ring_id=self.ring_id,
            start=iso(self.first_ts),
            start_ts=self.first_ts,
            end=iso(self.last_ts),
            end_ts=self.last_ts,
            members=self.members,
        )

    # actors -----------------------------------------------------------------
    def existing(self, person: int) -> Actor:
        """An actor from the population (primary account), as seen before the window."""
        pop = self.world.pop
        actor = Actor(
            str(pop.p_id[person]),
            str(pop.a_id[person]),
            str(pop.p_card[person]),
            str(pop.p_dev1[person]),
            str(pop.p_ip[person]),
            int(pop.a_limit[person]),
            person,
            night=bool(pop.p_night[person]),
            cash_limit=int(pop.a_cash_limit[person]),
            geo=str(pop.p_geo[person]),
        )
        actor.roaming = self.rng
        return actor

    def merchant_of(self, category: int) -> str:
        """A random merchant of a category that existed before the window."""
        pop = self.world.pop
        ok = (pop.m_cat == category) & (pop.m_open_ts < self.world.start_ts)
        choices = pop.m_id[ok] if ok.any() else pop.m_id[:1]
        return str(choices[int(self.rng.integers(0, choices.size))])

    def new_card(self) -> str:
        """A fresh card number."""
        return str(card_numbers(self.world.spaces["card"].numbers(1))[0])

    def new_device(self, emulator: float | None = None) -> str:
        """A fresh device, its model drawn like everybody's (``emulator``: a farm's rate)."""
        device = self.world.spaces["device"].one()
        self.world.device_fp[device] = self.world.new_device_code(self.rng, emulator)
        return device

    def new_ip(self, *, hosting: float | None = None) -> str:
        """A fresh address: a carrier's or a broadband one, a proxy at the configured rate."""
        rate = self.world.config.proxy_rate if hosting is None else hosting
        kinds = looks.ip_kinds(self.rng, 1, carrier=0.45, hosting=rate)
        return str(looks.ip_from(self.rng, kinds)[0])

    def new_geo(self) -> str:
        """A province drawn like where people live."""
        return f"CN-{int(self.rng.choice(PROVINCES, p=PROVINCE_P))}"

    def new_identity(self) -> tuple[int, int, int]:
        """A bought or made-up identity's bureau file: segment, overdue accounts, inquiries."""
        shares = np.array([s[1] for s in SEGMENTS])
        segment = int(self.rng.choice(len(SEGMENTS), p=shares / shares.sum()))
        overdue = int(self.rng.poisson(SEGMENTS[segment][3]))
        inquiries = int(self.rng.poisson(SEGMENTS[segment][4] * 3)) + 1
        return segment, overdue, inquiries

    def bureau(
        self, ts: int, person_id: str, inquiries: tuple[int, int], overdue: int, *, fraud: bool
    ) -> None:
        """A bureau report on a person, pulled by a lender at ``ts``."""
        amount = int(looks.bureau_overdue_cents(self.rng, np.array([overdue]))[0])
        self.emit(
            "bureau_report",
            ts,
            fraud=fraud,
            person_id=person_id,
            inquiries_30d=inquiries[0],
            inquiries_90d=max(inquiries),
            overdue_accounts=overdue,
            overdue_amount=amount,
            source="bureau",
        )

    def open_account(
        self,
        ts: int,
        person_id: str,
        phone: int,
        idno: int,
        device: str,
        ip: str,
        *,
        fraud: bool = True,
    ) -> Actor:
        """Open a new account for a new identity: bureau report, opening, identity check.

        The limit is what the platform grants on the identity's bureau file, as for anyone.
        """
        _, overdue, inquiries = self.new_identity()
        inq90 = inquiries + int(self.rng.poisson(1.0))
        self.bureau(
            ts - int(self.rng.integers(20, 900)),
            person_id,
            (inquiries, inq90),
            overdue,
            fraud=fraud,
        )
        limit, cash = granted_limits(np.array([overdue]), np.array([inq90]))
        account = self.world.spaces["account"].one()
        self.emit(
            "account_opened",
            ts,
            fraud=fraud,
            account_id=account,
            person_id=person_id,
            phone=str(phones(np.array([phone]))[0]),
            id_number=str(id_numbers(np.array([idno]))[0]),
            device_id=device,
            ip=ip,
        )
        method, score, passed = looks.verifications(self.rng, 1, looks.ONBOARDING)
        self.emit(
            "identity_verified",
            ts + int(self.rng.integers(30, 600)),
            fraud=fraud,
            account_id=account,
            method=str(method[0]),
            score=int(score[0]),
            passed=bool(passed[0]),
            device_id=device,
        )
        night = bool(self.rng.random() < self.world.config.night_owl_rate)
        return Actor(
            person_id,
            account,
            self.new_card(),
            device,
            ip,
            int(limit[0]),
            night=night,
            cash_limit=int(cash[0]),
            geo=self.new_geo(),
        )

    def login(
        self, actor: Actor, ts: int, device: str, ip: str, *, fraud: bool = True, geo: str = ""
    ) -> None:
        """A login of an actor's account from a device (its fingerprint is the device's)."""
        self.emit(
            "login",
            ts,
            fraud=fraud,
            account_id=actor.account_id,
            device_id=device,
            ip=ip,
            geo=geo or actor.geo,
            fingerprint=looks.fingerprint_text(self.world.fingerprint(device)),
        )

    def camouflage(self, actor: Actor, t0: int, t1: int, count: int) -> None:
        """Ordinary small purchases at popular merchants (not labeled as fraud)."""
        pop = self.world.pop
        weights = pop.m_weight / pop.m_weight.sum()
        for _ in range(count):
            m = int(self.rng.choice(pop.m_id.size, p=weights))
            ts = int(self.rng.integers(t0, max(t1, t0 + 1)))
            if ts < int(pop.m_open_ts[m]):
                continue
            cat = int(pop.m_cat[m])
            mu, sd = CATEGORIES[cat][1:3]
            yuan = float(np.exp(self.rng.normal(mu, sd)))
            cents = looks.price_cents(self.rng, yuan, round_share=CATEGORIES[cat][3])
            self.emit(
                "payment",
                self.daytime(ts, actor),
                fraud=False,
                account_id=actor.account_id,
                merchant_id=str(pop.m_id[m]),
                amount=cents,
                funding=str(self.rng.choice(["revolving", "bank_card"], p=[0.65, 0.35])),
                device_id=actor.device,
                ip=actor.ip,
            )

    def overdue(
        self,
        account_id: str,
        product: str,
        due: int,
        owed: int,
        steps: tuple[int, ...] = (1, 7, 30),
        *,
        fraud: bool = True,
    ) -> None:
        """Overdue notices on the mornings ``steps`` days after ``due`` (as the billing run)."""
        for step in steps:
            self.emit(
                "bill_overdue",
                due + step * DAY + int(self.rng.integers(6 * HOUR, 9 * HOUR)),
                fraud=fraud,
                account_id=account_id,
                product=product,
                amount_due=owed,
                due_date=iso(due)[:10],
                days_overdue=step,
            )

    def default_loan(self, actor: Actor, ts: int, amount: int, product: str = "cash_loan") -> None:
        """Overdue notices for a loan drawn at ``ts`` and never repaid (due 30 days later)."""
        due = ts - ts % DAY + 30 * DAY
        owed = looks.loan_due_cents(self.rng, amount, 1.0)
        self.overdue(actor.account_id, product, due, owed)
        if actor.index is not None:
            pop = self.world.pop
            pop.a_default_ts[actor.index] = min(int(pop.a_default_ts[actor.index]), ts)
