"""The monitoring series over a window of days: per check, the decision mix, per model score.

>>> from datetime import UTC, datetime
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> f = Fact("d1", at, "decline", frozenset({"R1"}), True, {"score.fraud": 0.9}, {})
>>> s = build_series([f], {"d1": True}, as_of=at, days=15, references={})
>>> c = s.checks[0]
>>> c.code, c.today, c.hits[-1], c.precision, c.closed
('R1', 1, 1, 1.0, 1)
>>> s.mix.today_share("decline"), s.mix.freeze_rate_today
(1.0, 1.0)
"""

from __future__ import annotations

import functools
import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from riskline.monitoring.drift import ScoreBins, psi
from riskline.monitoring.facts import Fact

__all__ = [
    "OUTCOMES",
    "CheckSeries",
    "MixSeries",
    "ModelSeries",
    "Series",
    "build_series",
    "model_role",
    "trailing_median",
]

OUTCOMES = ("approve", "challenge", "review", "decline")

TRAILING_DAYS = 14
"""The days before today a spike is measured against (their median)."""


@dataclass(frozen=True, slots=True)
class CheckSeries:
    """One check (reason code) over the window: hits and case outcomes of its hits per day."""

    code: str
    hits: tuple[int, ...]
    confirmed: tuple[int, ...]
    cleared: tuple[int, ...]
    hourly: tuple[int, ...]
    """Hits per hour (UTC) over the window: day ``i`` hour ``h`` at ``24 * i + h``."""

    @property
    def hours(self) -> tuple[int, ...]:
        """Hits per hour of the last day of the window."""
        return self.hourly[-24:]

    def hour_spike(self, hour: int, days: int = TRAILING_DAYS) -> tuple[int, float]:
        """Hits in ``hour`` of the last day, and the median of the same hour over the ``days``
        days before (an hourly spike, in step with the daily cycle)."""
        same = self.hourly[hour::24]
        before = same[-days - 1 : -1]
        return same[-1], float(statistics.median(before)) if before else 0.0

    @property
    def today(self) -> int:
        """Hits on the last day of the window."""
        return self.hits[-1]

    @property
    def trailing_median(self) -> float:
        """Median hits per day over the :data:`TRAILING_DAYS` days before the last."""
        return trailing_median(self.hits)

    @property
    def closed(self) -> int:
        """Hits over the window with a closed case (confirmed fraud or cleared)."""
        return sum(self.confirmed) + sum(self.cleared)

    @property
    def precision(self) -> float | None:
        """Confirmed / (confirmed + cleared) among its hits with a closed case, over the window."""
        return sum(self.confirmed) / self.closed if self.closed else None

    def precision_on(self, i: int) -> float | None:
        """The same among the hits of day ``i``."""
        n = self.confirmed[i] + self.cleared[i]
        return self.confirmed[i] / n if n else None


@dataclass(frozen=True, slots=True)
class MixSeries:
    """Decisions per day by outcome, and how many froze a line."""

    counts: Mapping[str, tuple[int, ...]]
    frozen: tuple[int, ...]
    totals: tuple[int, ...]

    def today_share(self, outcome: str) -> float:
        """The share of ``outcome`` (or ``freeze``) among the last day's decisions (0 when none)."""
        n = self.totals[-1]
        hits = self.frozen[-1] if outcome == "freeze" else self.counts[outcome][-1]
        return hits / n if n else 0.0

    @property
    def freeze_rate_today(self) -> float:
        """Share of the last day's decisions that froze a line."""
        return self.today_share("freeze")


@dataclass(frozen=True, slots=True)
class ModelSeries:
    """One model score: per day its mean and PSI against the reference of its version."""

    score: str
    version: str
    reference: ScoreBins | None
    n: tuple[int, ...]
    means: tuple[float, ...]
    psi: tuple[float, ...]
    today_shares: tuple[float, ...]
    """The last day's shares of the reference's bins (empty without a reference)."""

    @property
    def psi_today(self) -> float:
        """PSI of the last day's scores (NaN without scores or reference)."""
        return self.psi[-1]


@dataclass(frozen=True, slots=True)
class Series:
    """Everything monitoring computes for one window ending ``as_of``."""

    as_of: datetime
    days: tuple[date, ...]
    checks: tuple[CheckSeries, ...]
    mix: MixSeries
    models: tuple[ModelSeries, ...]


def trailing_median(hits: Sequence[int], days: int = TRAILING_DAYS) -> float:
    """Median of the ``days`` values before the last one.

    >>> trailing_median([1, 2, 3, 100], days=3)
    2.0
    """
    return float(statistics.median(hits[-days - 1 : -1])) if len(hits) > 1 else 0.0


@functools.cache
def model_role(score: str) -> str:
    """The ``versions`` key naming the model behind a score.

    >>> model_role("score.fraud"), model_role("score.fraud_challenger")
    ('model.fraud', 'model.fraud.challenger')
    """
    return "model." + score.removeprefix("score.").replace("_challenger", ".challenger")


def _index(days: Sequence[date]) -> dict[date, int]:
    return {d: i for i, d in enumerate(days)}


def build_series(
    facts: Sequence[Fact],
    labels: Mapping[str, bool],
    *,
    as_of: datetime,
    days: int,
    references: Mapping[tuple[str, str], ScoreBins],
) -> Series:
    """The series of ``days`` days ending with ``as_of``'s day (facts outside are left out).

    ``references`` maps (score, version) to its reference distribution."""
    end = as_of.date()
    window = tuple(end - timedelta(days=days - 1 - i) for i in range(days))
    at = _index(window)
    inside = [f for f in facts if f.at.date() in at and f.at <= as_of]
    return Series(
        as_of=as_of,
        days=window,
        checks=_checks(inside, labels, at),
        mix=_mix(inside, at),
        models=_models(inside, at, references),
    )


def _checks(
    facts: Sequence[Fact], labels: Mapping[str, bool], at: Mapping[date, int]
) -> tuple[CheckSeries, ...]:
    n = len(at)
    hits: dict[str, list[int]] = {}
    good: dict[str, list[int]] = {}
    bad: dict[str, list[int]] = {}
    hours: dict[str, list[int]] = {}
    for f in facts:
        i, label = at[f.at.date()], labels.get(f.decision_id)
        for code in f.codes:
            if code not in hits:
                hits[code], good[code], bad[code] = [0] * n, [0] * n, [0] * n
                hours[code] = [0] * (24 * n)
            hits[code][i] += 1
            if label is True:
                good[code][i] += 1
            elif label is False:
                bad[code][i] += 1
            hours[code][24 * i + f.at.hour] += 1
    return tuple(
        CheckSeries(c, tuple(hits[c]), tuple(good[c]), tuple(bad[c]), tuple(hours[c]))
        for c in sorted(hits, key=lambda c: (-sum(hits[c]), c))
    )


def _mix(facts: Sequence[Fact], at: Mapping[date, int]) -> MixSeries:
    n = len(at)
    counts = {o: [0] * n for o in OUTCOMES}
    frozen = [0] * n
    for f in facts:
        i = at[f.at.date()]
        counts.setdefault(f.outcome, [0] * n)[i] += 1
        frozen[i] += f.froze
    totals = tuple(sum(c[i] for c in counts.values()) for i in range(n))
    return MixSeries({o: tuple(c) for o, c in counts.items()}, tuple(frozen), totals)


def _models(
    facts: Sequence[Fact], at: Mapping[date, int], references: Mapping[tuple[str, str], ScoreBins]
) -> tuple[ModelSeries, ...]:
    current: dict[str, str] = {}
    for f in facts:  # oldest first: the newest decision names the version served now
        for score in f.scores:
            if score.startswith("score."):
                current[score] = f.versions.get(model_role(score), "")
    out = []
    for score, version in sorted(current.items()):
        per_day: list[list[float]] = [[] for _ in at]
        for f in facts:
            value = f.scores.get(score)
            if value is not None and f.versions.get(model_role(score), "") == version:
                per_day[at[f.at.date()]].append(value)
        ref = references.get((score, version))
        out.append(_model(score, version, ref, per_day))
    return tuple(out)


def _model(
    score: str, version: str, ref: ScoreBins | None, per_day: Sequence[Sequence[float]]
) -> ModelSeries:
    finite = [[v for v in day if math.isfinite(v)] for day in per_day]
    shares: tuple[float, ...] = ()
    if ref is not None and finite[-1]:
        counts = Counter(_bin(ref, v) for v in finite[-1])
        shares = tuple(counts[i] / len(finite[-1]) for i in range(len(ref.shares)))
    return ModelSeries(
        score=score,
        version=version,
        reference=ref,
        n=tuple(len(day) for day in finite),
        means=tuple(sum(day) / len(day) if day else math.nan for day in finite),
        psi=tuple(psi(ref, day) if ref is not None else math.nan for day in finite),
        today_shares=shares,
    )


def _bin(ref: ScoreBins, value: float) -> int:
    """The reference bin of ``value`` (right-closed edges, as :func:`psi` counts)."""
    return sum(1 for e in ref.edges if value >= e)
