"""Delayed-label entity risk, online: at each payment, the fraud count and rate of its payee,
payer and device among their earlier payments whose labels could be known.

The definition is the batch one (:mod:`riskline.features.entity_risk`), for a payment at time
``t`` of entity ``e`` (payee = ``merchant_id``, payer = ``account_id``, device = ``device_id``
when present), each window ``W`` in days and the label delay ``D`` (days):

- ``risk.<kind>.n_<W>d``: payments of ``e`` that occurred in ``[t - D - W, t - D)``;
- ``risk.<kind>.fraud_<W>d``: how many of those carry a fraud label known at or before ``t``;
- ``risk.<kind>.rate_<W>d``: fraud / n, 0.0 when n = 0.

A payment without a device has no ``risk.device.*`` values (the batch frame's nulls). Bounds
are computed in float64 exactly as the batch function writes them (``t - (D + W) * 86400``,
``t - D * 86400``), so both agree at the edges.

Online, a label is known from the moment it reached the engine (stored with the label:
:mod:`riskline.storage.labels`), so the values are a function of the ledger and the label
store only: a replay of both after a restart gives every later decision the same values.
Memory is bounded: payments older than ``D + max(W)`` days before the newest payment seen are
dropped (a payment arriving later than that is read against what is left).

>>> from datetime import datetime, timedelta, timezone
>>> from decimal import Decimal
>>> from riskline.events import Payment
>>> risk = EntityRisk(delay_days=7, windows_days=(7,))
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> def pay(i: int, day: float) -> Payment:
...     return Payment(event_id=f"p{i}", occurred_at=t0 + timedelta(days=day),
...                    account_id=f"a{i}", merchant_id="shop", amount=Decimal("5"))
>>> _ = risk.observe(pay(1, 0)); _ = risk.observe(pay(2, 1))
>>> risk.label(FraudLabel("p1", True, (t0 + timedelta(days=3)).timestamp()))
>>> out = risk.observe(pay(3, 9))
>>> out["risk.payee.n_7d"], out["risk.payee.fraud_7d"], out["risk.payee.rate_7d"]
(2.0, 1.0, 0.5)
>>> risk.observe(pay(4, 2))["risk.payee.n_7d"]  # at day 2 nothing is 7 days old yet
0.0
"""

from __future__ import annotations

import time
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from riskline.errors import InvalidConfig
from riskline.events.types import Event, Payment

__all__ = [
    "DEFAULT_DELAY_DAYS",
    "DEFAULT_WINDOWS_DAYS",
    "KINDS",
    "EntityRisk",
    "EntityRiskFeatures",
    "FraudLabel",
    "LabelSource",
    "risk_feature_names",
    "risk_schema",
]

KINDS = ("payee", "payer", "device")
"""Entity kinds, in feature-name order: payee (merchant / terminal), payer (account / card),
device."""
DEFAULT_DELAY_DAYS = 7.0
DEFAULT_WINDOWS_DAYS = (1, 7, 30)
_DAY = 86_400.0
_SWEEP_EVERY = 10_000
"""Payments between two sweeps of entities and labels older than the horizon."""


def risk_feature_names(windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS) -> tuple[str, ...]:
    """``risk.<kind>.{n,fraud,rate}_<W>d`` for every kind and window.

    >>> risk_feature_names((7,))[:3]
    ('risk.payee.n_7d', 'risk.payee.fraud_7d', 'risk.payee.rate_7d')
    """
    return tuple(
        f"risk.{kind}.{stat}_{w}d"
        for kind in KINDS
        for w in windows_days
        for stat in ("n", "fraud", "rate")
    )


def risk_schema(windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS) -> dict[str, str]:
    """The entity-risk features as the rules DSL types them (all numbers)."""
    return dict.fromkeys(risk_feature_names(windows_days), "number")


@dataclass(frozen=True, slots=True)
class FraudLabel:
    """A label of one event: fraud or genuine, and when it became known (epoch seconds)."""

    event_id: str
    fraud: bool
    known_at: float


class LabelSource(Protocol):
    """Where labels come from (the label store and case outcomes): everything after a cursor.

    ``read(None)`` returns every label; the returned cursor is given back to the next call."""

    def read(self, after: object | None) -> tuple[Sequence[FraudLabel], object | None]: ...


class _Track:
    """One entity's payment times (sorted) and its fraud-labelled payments."""

    __slots__ = ("fraud", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.fraud: dict[str, tuple[float, float]] = {}
        """event id -> (occurred at, label known at) of its payments labelled fraud."""


def _keys(event: Payment) -> tuple[tuple[str, str], ...]:
    pairs = [("payee", event.merchant_id), ("payer", event.account_id)]
    if event.device_id is not None:
        pairs.append(("device", event.device_id))
    return tuple(pairs)


class EntityRisk:
    """Per-entity state of the delayed-label risk features (not thread-safe: the writer's)."""

    def __init__(
        self,
        delay_days: float = DEFAULT_DELAY_DAYS,
        windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS,
    ) -> None:
        if delay_days < 0:
            raise InvalidConfig(f"label delay must not be negative (got {delay_days} days)")
        if not windows_days or any(w <= 0 for w in windows_days):
            raise InvalidConfig(f"entity-risk windows must be positive days (got {windows_days})")
        self.delay_days = float(delay_days)
        self.windows = tuple(int(w) for w in windows_days)
        self.names = risk_feature_names(self.windows)
        self._names = {
            kind: tuple(
                (w, f"risk.{kind}.n_{w}d", f"risk.{kind}.fraud_{w}d", f"risk.{kind}.rate_{w}d")
                for w in self.windows
            )
            for kind in KINDS
        }
        self.horizon = (self.delay_days + max(self.windows)) * _DAY
        self.tracks: dict[tuple[str, str], _Track] = {}
        self.payments: dict[str, tuple[float, tuple[tuple[str, str], ...]]] = {}
        self.labels: dict[str, tuple[bool, float]] = {}
        self.watermark = float("-inf")
        self._since_sweep = 0

    # -- labels ---------------------------------------------------------------------------
    def label(self, lb: FraudLabel) -> None:
        """Take a label; a later-known label of the same event replaces an earlier one."""
        old = self.labels.get(lb.event_id)
        if old is not None and old[1] > lb.known_at:
            return
        self.labels[lb.event_id] = (lb.fraud, lb.known_at)
        paid = self.payments.get(lb.event_id)
        if paid is None:
            return
        for key in paid[1]:
            track = self.tracks.get(key)
            if track is None:
                continue
            if lb.fraud:
                track.fraud[lb.event_id] = (paid[0], lb.known_at)
            else:
                track.fraud.pop(lb.event_id, None)

    def label_all(self, labels: Iterable[FraudLabel]) -> None:
        """Take labels in the order they became known."""
        for lb in sorted(labels, key=lambda x: x.known_at):
            self.label(lb)

    # -- payments -------------------------------------------------------------------------
    def observe(self, event: Payment) -> dict[str, float]:
        """The payment's risk features (read before it is counted), then count it."""
        t = event.occurred_at.timestamp()
        keys = _keys(event)
        out = self.read(t, keys)
        if event.step_up is not None or event.event_id in self.payments:
            return out  # a released step-up re-submits a payment already counted
        self.payments[event.event_id] = (t, keys)
        known = self.labels.get(event.event_id)
        for key in keys:
            track = self.tracks.get(key)
            if track is None:
                track = self.tracks[key] = _Track()
            if track.times and t < track.times[-1]:
                insort(track.times, t)
            else:
                track.times.append(t)
            if known is not None and known[0]:
                track.fraud[event.event_id] = (t, known[1])
        if t > self.watermark:
            self.watermark = t
        self._since_sweep += 1
        if self._since_sweep >= _SWEEP_EVERY:
            self.sweep()
        return out

    def read(self, t: float, keys: Sequence[tuple[str, str]]) -> dict[str, float]:
        """The features at time ``t`` (epoch seconds) of the entities ``keys`` (kind, id); a
        kind absent from ``keys`` (no device) has no values."""
        out: dict[str, float] = {}
        hi = t - self.delay_days * _DAY
        for kind, key in keys:
            track = self.tracks.get((kind, key))
            if track is None:
                for _, n_name, fraud_name, rate_name in self._names[kind]:
                    out[n_name] = out[fraud_name] = out[rate_name] = 0.0
                continue
            self._trim(track)
            times = track.times
            end = bisect_left(times, hi)
            # frauds known by t among payments before hi (usually a handful)
            known = [pt for pt, k in track.fraud.values() if k <= t and pt < hi]
            for w, n_name, fraud_name, rate_name in self._names[kind]:
                lo = t - (self.delay_days + w) * _DAY
                n = end - bisect_left(times, lo, 0, end)
                fraud = sum(1 for pt in known if pt >= lo) if n and known else 0
                out[n_name] = float(n)
                out[fraud_name] = float(fraud)
                out[rate_name] = fraud / n if n else 0.0
        return out

    # -- memory ---------------------------------------------------------------------------
    def _trim(self, track: _Track) -> None:
        cutoff = self.watermark - self.horizon
        times = track.times
        if times and times[0] < cutoff:
            del times[: bisect_left(times, cutoff)]

    def sweep(self) -> None:
        """Drop payments, entities and labels older than the horizon (``D + max(W)`` days
        before the newest payment seen)."""
        self._since_sweep = 0
        cutoff = self.watermark - self.horizon
        old = [eid for eid, (t, _) in self.payments.items() if t < cutoff]
        for eid in old:
            del self.payments[eid]
            self.labels.pop(eid, None)
        for key in list(self.tracks):
            track = self.tracks[key]
            self._trim(track)
            for eid in [e for e, (pt, _) in track.fraud.items() if pt < cutoff]:
                del track.fraud[eid]
            if not track.times:
                del self.tracks[key]
        stale = [e for e, (_, k) in self.labels.items() if k < cutoff and e not in self.payments]
        for eid in stale:
            del self.labels[eid]


class _FeatureSource(Protocol):
    def process(self, event: Event) -> Mapping[str, float]: ...

    def schema(self) -> Mapping[str, str]: ...

    def reset(self) -> None: ...


class EntityRiskFeatures:
    """Wraps the engine's feature source and adds the entity-risk features of payments.

    Labels are read from ``labels`` (everything on the first payment after a start or a
    reset, then what is new at most every ``refresh_s`` seconds, and on :meth:`sync`, which
    the label endpoint calls before it acknowledges). A reset clears the state: the engine's
    rebuild replays the ledger into it and every label is read again.
    """

    def __init__(
        self,
        inner: _FeatureSource,
        labels: LabelSource | None = None,
        *,
        delay_days: float = DEFAULT_DELAY_DAYS,
        windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS,
        refresh_s: float = 1.0,
    ) -> None:
        self.inner = inner
        self.source = labels
        self.delay_days = delay_days
        self.windows_days = tuple(windows_days)
        self.refresh_s = refresh_s
        self.risk = EntityRisk(delay_days, self.windows_days)
        self._cursor: object | None = None
        self._synced: float | None = None

    def sync(self) -> int:
        """Read the labels that arrived since the last read; how many."""
        self._synced = time.monotonic()
        if self.source is None:
            return 0
        found, self._cursor = self.source.read(self._cursor)
        self.risk.label_all(found)
        return len(found)

    def process(self, event: Event) -> Mapping[str, float]:
        """The inner features, plus the entity risk of a payment."""
        inner = self.inner.process(event)
        if not isinstance(event, Payment):
            return inner
        if self._synced is None or time.monotonic() - self._synced >= self.refresh_s:
            self.sync()
        return {**inner, **self.risk.observe(event)}

    def schema(self) -> Mapping[str, str]:
        """The inner schema plus the entity-risk features."""
        return {**self.inner.schema(), **risk_schema(self.windows_days)}

    def reset(self) -> None:
        """Reset the inner state and the entity risk; labels are read again on next use."""
        self.inner.reset()
        self.risk = EntityRisk(self.delay_days, self.windows_days)
        self._cursor = None
        self._synced = None
