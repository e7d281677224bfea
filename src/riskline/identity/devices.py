"""Known devices: a stable id for a browser despite small drift, and which subjects use it.

:class:`DeviceRegistry` finds candidate devices through blocking keys (a drifted fingerprint
still shares at least one), scores each with :func:`similarity`, and reuses the best id at or
above ``threshold``; below it, a new device is created. A match stores the latest fingerprint,
so gradual drift (one browser update after another) is followed.

>>> from datetime import datetime, timezone
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> reg = DeviceRegistry(MemoryDeviceStore(), ids=iter(["dv_1", "dv_2"]).__next__)
>>> fp = {"canvas": "c", "audio": "a", "webgl": "g", "tz": "t", "cores": 8, "fonts": ["f"]}
>>> reg.identify(fp, t0).device_id, reg.identify({**fp, "tz": "u"}, t0).device_id
('dv_1', 'dv_1')
>>> reg.identify({**fp, "canvas": "x", "audio": "y", "webgl": "z"}, t0).new
True
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from riskline.identity import tables as it
from riskline.identity.fingerprint import Minimised, blocking_keys, similarity

__all__ = [
    "DeviceMatch",
    "DeviceRegistry",
    "DeviceStore",
    "KnownDevice",
    "MemoryDeviceStore",
    "SqlDeviceStore",
]


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """A device as stored: its id, latest minimised fingerprint and when it was seen."""

    device_id: str
    components: Minimised
    first_seen: datetime
    last_seen: datetime
    seen: int = 1


@dataclass(frozen=True, slots=True)
class DeviceMatch:
    """The device a fingerprint belongs to, the similarity that decided it, whether new."""

    device_id: str
    score: float
    new: bool


class DeviceStore(Protocol):
    """Where known devices and their blocking keys live."""

    def candidates(self, keys: Sequence[str]) -> list[KnownDevice]: ...

    def put(self, device: KnownDevice, keys: Sequence[str], new: bool) -> None: ...

    def link(self, device_id: str, subject: str, at: datetime, trusted: bool) -> None: ...

    def trusted(self, device_id: str, subject: str) -> bool: ...

    def linked(self, subject: str) -> set[str]: ...


class DeviceRegistry:
    """Identifies devices from minimised fingerprints (threshold 0.85 by default: measured, it gives
    fewer false matches and more true matches than 0.8 overall; see docs/benchmarks.md)."""

    def __init__(
        self,
        store: DeviceStore,
        threshold: float = 0.85,
        ids: Callable[[], str] | None = None,
    ) -> None:
        self.store = store
        self.threshold = threshold
        self.ids = ids or (lambda: "dv_" + secrets.token_hex(12))

    def identify(self, fp: Minimised, at: datetime, subject: str | None = None) -> DeviceMatch:
        """The best-matching known device, or a new one.

        With a ``subject``, the subject's own devices are preferred: a device it used before
        that scores at or above the threshold wins over any other device (phones of one model
        often look identical across users). The device is then linked to the subject.
        """
        keys = blocking_keys(fp)
        candidates = self.store.candidates(keys)
        best, score = None, 0.0
        if subject is not None:
            own = self.store.linked(subject)
            best, score = _best(fp, [d for d in candidates if d.device_id in own])
        if best is None or score < self.threshold:
            best, score = _best(fp, candidates)
        if best is not None and score >= self.threshold:
            seen = replace(best, components=fp, last_seen=at, seen=best.seen + 1)
            self.store.put(seen, keys, new=False)
            match = DeviceMatch(best.device_id, score, False)
        else:
            device = KnownDevice(self.ids(), fp, at, at)
            self.store.put(device, keys, new=True)
            match = DeviceMatch(device.device_id, score, True)
        if subject is not None:
            self.store.link(match.device_id, subject, at, trusted=False)
        return match


def _best(fp: Minimised, candidates: list[KnownDevice]) -> tuple[KnownDevice | None, float]:
    """The most similar candidate (the most recently seen among equals) and its score."""
    best: KnownDevice | None = None
    best_score = 0.0
    for d in candidates:
        s = similarity(fp, d.components)
        if s > best_score or (
            best is not None and s == best_score and d.last_seen > best.last_seen
        ):
            best, best_score = d, s
    return best, best_score


class MemoryDeviceStore:
    """Devices in dictionaries (tests, measurements)."""

    def __init__(self) -> None:
        self.devices: dict[str, KnownDevice] = {}
        self.index: dict[str, set[str]] = {}
        self.keys_of: dict[str, list[str]] = {}
        self.links: dict[tuple[str, str], bool] = {}

    def candidates(self, keys: Sequence[str]) -> list[KnownDevice]:
        """Devices sharing at least one key."""
        ids = {d for k in keys for d in self.index.get(k, ())}
        return [self.devices[d] for d in sorted(ids)]

    def put(self, device: KnownDevice, keys: Sequence[str], new: bool) -> None:
        """Insert or replace a device and its keys."""
        for k in self.keys_of.get(device.device_id, ()):
            self.index[k].discard(device.device_id)
        self.devices[device.device_id] = device
        self.keys_of[device.device_id] = list(keys)
        for k in keys:
            self.index.setdefault(k, set()).add(device.device_id)

    def link(self, device_id: str, subject: str, at: datetime, trusted: bool) -> None:
        """Remember that ``subject`` used the device (trusted once a challenge passed on it)."""
        key = (device_id, subject)
        self.links[key] = self.links.get(key, False) or trusted

    def trusted(self, device_id: str, subject: str) -> bool:
        """Whether ``subject`` passed a challenge on this device before."""
        return self.links.get((device_id, subject), False)

    def linked(self, subject: str) -> set[str]:
        """Devices ``subject`` has used."""
        return {d for d, s in self.links if s == subject}


class SqlDeviceStore:
    """Devices, keys and subject links in the step-up tables."""

    def __init__(self, engine: Engine, max_candidates: int = 200) -> None:
        self.engine = engine
        self.max_candidates = max_candidates

    def candidates(self, keys: Sequence[str]) -> list[KnownDevice]:
        """Devices sharing at least one key (at most ``max_candidates``, most recent first)."""
        if not keys:
            return []
        ids = select(it.device_keys.c.device_id).where(it.device_keys.c.key.in_(list(keys)))
        d = it.devices.c
        q = (
            select(it.devices)
            .where(d.device_id.in_(ids))
            .order_by(d.last_seen.desc())
            .limit(self.max_candidates)
        )
        with self.engine.connect() as conn:
            return [_device(r) for r in conn.execute(q).mappings()]

    def put(self, device: KnownDevice, keys: Sequence[str], new: bool) -> None:
        """Insert or replace a device and its keys, in one transaction."""
        row = {
            "components": json.dumps(device.components, sort_keys=True),
            "first_seen": device.first_seen,
            "last_seen": device.last_seen,
            "seen": device.seen,
        }
        k = it.device_keys.c
        with self.engine.begin() as conn:
            if new:
                conn.execute(it.devices.insert().values(device_id=device.device_id, **row))
            else:
                conn.execute(
                    update(it.devices).where(it.devices.c.device_id == device.device_id).values(row)
                )
                conn.execute(delete(it.device_keys).where(k.device_id == device.device_id))
            if keys:
                conn.execute(
                    it.device_keys.insert(),
                    [{"key": key, "device_id": device.device_id} for key in dict.fromkeys(keys)],
                )

    def link(self, device_id: str, subject: str, at: datetime, trusted: bool) -> None:
        """Remember that ``subject`` used the device; ``trusted`` marks it (never unmarks)."""
        c = it.device_links.c
        with self.engine.begin() as conn:
            conn.execute(
                self._insert_ignore().values(
                    device_id=device_id, subject=subject, first_seen=at, trusted_at=None
                )
            )
            if trusted:
                conn.execute(
                    update(it.device_links)
                    .where(c.device_id == device_id, c.subject == subject, c.trusted_at.is_(None))
                    .values(trusted_at=at)
                )

    def trusted(self, device_id: str, subject: str) -> bool:
        """Whether ``subject`` passed a challenge on this device before."""
        c = it.device_links.c
        q = select(c.trusted_at).where(c.device_id == device_id, c.subject == subject)
        with self.engine.connect() as conn:
            got = conn.execute(q).first()
        return got is not None and got.trusted_at is not None

    def linked(self, subject: str) -> set[str]:
        """Devices ``subject`` has used."""
        c = it.device_links.c
        with self.engine.connect() as conn:
            return {
                r.device_id for r in conn.execute(select(c.device_id).where(c.subject == subject))
            }

    def _insert_ignore(self) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(it.device_links).on_conflict_do_nothing()
        return sqlite.insert(it.device_links).on_conflict_do_nothing()


def _device(r: Any) -> KnownDevice:
    return KnownDevice(
        r["device_id"], json.loads(r["components"]), r["first_seen"], r["last_seen"], r["seen"]
    )
