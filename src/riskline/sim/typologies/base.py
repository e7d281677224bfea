"""Shared machinery of typology generators: a ring that emits labeled events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np

from riskline.sim.ids import card_numbers, id_numbers, phones
from riskline.sim.world import CATEGORIES, DAY, World

__all__ = ["DAY", "HOUR", "PLATFORMS", "Actor", "Ring", "iso"]

HOUR = 3600
PLATFORMS = tuple(f"plat{i:02d}" for i in range(1, 31))


def iso(ts: int) -> str:
    """ISO text of an epoch second."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Actor:
    """One account a ring controls, with its person, card, device and IP."""

    def __init__(
        self,
        person_id: str,
        account_id: str,
        card: str,
        device: str,
        ip: str,
        limit: int,
        index: int | None = None,
    ) -> None:
        self.person_id = person_id
        self.account_id = account_id
        self.card = card
        self.device = device
        self.ip = ip
        self.limit = limit
        self.index = index


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

    def later(self, ts: int, lo_hours: float, hi_hours: float) -> int:
        """A time after ``ts`` by a delay in hours scaled by the fraud speed."""
        return int(ts + self.rng.uniform(lo_hours, hi_hours) * HOUR / self.speed)

    def odd_hour(self, ts: int) -> int:
        """Move ``ts`` to between midnight and 5am of its day."""
        return ts - ts % DAY + int(self.rng.integers(0, 5 * HOUR))

    def money(self, yuan: float, round_to: int = 0) -> int:
        """Cents of a yuan amount scaled by the configured fraud amount scale."""
        value = max(yuan * self.scale, 1.0)
        if round_to:
            value = max(round(value / round_to) * round_to, round_to)
        return round(value * 100)

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
        """Label an account, person, merchant or enterprise as part of this ring."""
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
        return Actor(
            str(pop.p_id[person]),
            str(pop.a_id[person]),
            str(pop.p_card[person]),
            str(pop.p_dev1[person]),
            str(pop.p_ip[person]),
            int(pop.a_limit[person]),
            person,
        )

    def merchant_of(self, category: int) -> str:
        """A random merchant of a category that existed before the window."""
        pop = self.world.pop
        ok = (pop.m_cat == category) & (pop.m_open_ts < self.world.start_ts)
        choices = pop.m_id[ok] if ok.any() else pop.m_id[:1]
        return str(choices[int(self.rng.integers(0, choices.size))])

    def new_card(self) -> str:
        """A fresh card number."""
        return str(card_numbers(self.world.spaces["card"].numbers(1))[0])

    def new_device(self) -> str:
        """A fresh device id."""
        return self.world.spaces["device"].one()

    def new_ip(self) -> str:
        """A fresh IP address in a hosting range."""
        n = int(self.world.spaces["ip"].numbers(1)[0])
        return f"{45 + n % 60}.{(n >> 8) % 256}.{(n >> 16) % 256}.{n % 250 + 2}"

    def open_account(
        self,
        ts: int,
        person_id: str,
        phone: int,
        idno: int,
        device: str,
        ip: str,
        *,
        limit: int,
        fraud: bool = True,
        score: int = 900,
    ) -> Actor:
        """Open a new account (with identity check) for a new or given person."""
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
        self.emit(
            "identity_verified",
            ts + int(self.rng.integers(40, 400)),
            fraud=fraud,
            account_id=account,
            method="face",
            score=score,
            passed=True,
            device_id=device,
        )
        return Actor(person_id, account, self.new_card(), device, ip, limit)

    def login(
        self, actor: Actor, ts: int, device: str, ip: str, *, fraud: bool = True, geo: str = "CN-44"
    ) -> None:
        """A login of an actor's account from a device."""
        fp = {
            "os": str(self.rng.choice(["android-14", "ios-17", "android-12"])),
            "screen": "1080x2400",
            "tz": "+08:00",
        }
        self.emit(
            "login",
            ts,
            fraud=fraud,
            account_id=actor.account_id,
            device_id=device,
            ip=ip,
            geo=geo,
            fingerprint=json.dumps(fp, separators=(",", ":")),
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
            mu, sd = CATEGORIES[int(pop.m_cat[m])][1:3]
            cents = round(float(np.exp(self.rng.normal(mu, sd))) * 100) + 100
            self.emit(
                "payment",
                ts - ts % DAY + int(self.rng.integers(9, 22)) * HOUR,
                fraud=False,
                account_id=actor.account_id,
                merchant_id=str(pop.m_id[m]),
                amount=cents,
                funding="revolving",
                device_id=actor.device,
                ip=actor.ip,
            )

    def default_loan(self, actor: Actor, ts: int, amount: int, product: str = "cash_loan") -> None:
        """Overdue notices for a loan drawn at ``ts`` and never repaid (due 30 days later)."""
        due = ts - ts % DAY + 30 * DAY
        for step in (1, 7, 30):
            self.emit(
                "bill_overdue",
                due + step * DAY + 7 * HOUR,
                account_id=actor.account_id,
                product=product,
                amount_due=amount,
                due_date=iso(due)[:10],
                days_overdue=step,
            )
        if actor.index is not None:
            pop = self.world.pop
            pop.a_default_ts[actor.index] = min(int(pop.a_default_ts[actor.index]), ts)
