"""Limit assignment: a credit score maps to a limit per product through a band table.

>>> table = BandTable.default()
>>> table.limit_for(720, Product.REVOLVING)
Decimal('20000')
>>> table.band_for(480).name
'E'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import yaml

from riskline.errors import InvalidConfig
from riskline.events.types import Product

__all__ = [
    "PLACEHOLDER_SCORE",
    "Band",
    "BandTable",
    "BureauScore",
    "FixedScore",
    "ScoreProvider",
]

PLACEHOLDER_SCORE = 600.0
"""The score every applicant gets until a real credit scorecard is configured."""


@dataclass(frozen=True, slots=True)
class Band:
    """Scores from ``min_score`` (inclusive) get these limits."""

    name: str
    min_score: float
    limits: Mapping[Product, Decimal]


class BandTable:
    """Ordered score bands; the highest band whose ``min_score`` the score reaches wins."""

    def __init__(self, bands: Sequence[Band], version: str = "1") -> None:
        if not bands:
            raise InvalidConfig("a band table needs at least one band")
        self.bands = tuple(sorted(bands, key=lambda b: b.min_score, reverse=True))
        self.version = version
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise InvalidConfig("band names must be unique")
        if len({b.min_score for b in self.bands}) != len(self.bands):
            raise InvalidConfig("two bands share a min_score")

    def band_for(self, score: float) -> Band:
        """The band a score falls in (the lowest band catches everything below)."""
        for band in self.bands:
            if score >= band.min_score:
                return band
        return self.bands[-1]

    def limit_for(self, score: float, product: Product) -> Decimal:
        """The limit to grant for ``product`` at ``score`` (0 when the band grants none)."""
        return self.band_for(score).limits.get(product, Decimal(0))

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> BandTable:
        """Build from ``{"version": ..., "bands": [{"name", "min_score", "limits": {...}}]}``."""
        try:
            bands = [_band(b) for b in raw["bands"]]
        except (KeyError, TypeError, ValueError, InvalidOperation) as err:
            raise InvalidConfig(f"limit band table: {err}") from None
        return cls(bands, version=str(raw.get("version", "1")))

    @classmethod
    def from_file(cls, path: Path) -> BandTable:
        """Load a YAML band table."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise InvalidConfig(f"cannot read band table {path}: {err}") from None
        if not isinstance(raw, Mapping):
            raise InvalidConfig(f"{path}: a band table is a mapping with 'bands'")
        return cls.from_config(raw)

    @classmethod
    def default(cls) -> BandTable:
        """A conservative default table (CNY)."""
        rows = [
            ("A", 700, 20000, 50000, 2000000),
            ("B", 650, 10000, 20000, 1000000),
            ("C", 600, 5000, 10000, 500000),
            ("D", 550, 2000, 3000, 200000),
            ("E", 0, 0, 0, 0),
        ]
        return cls(
            [
                Band(
                    n,
                    float(s),
                    {
                        Product.REVOLVING: Decimal(r),
                        Product.CASH_LOAN: Decimal(c),
                        Product.ENTERPRISE_CREDIT: Decimal(e),
                    },
                )
                for n, s, r, c, e in rows
            ],
            version="default-1",
        )


def _band(raw: Mapping[str, Any]) -> Band:
    unknown = set(raw) - {"name", "min_score", "limits"}
    if unknown:
        raise ValueError(f"unknown band keys {sorted(unknown)}")
    limits = {Product(k): Decimal(str(v)) for k, v in dict(raw["limits"]).items()}
    if any(v < 0 for v in limits.values()):
        raise ValueError(f"band {raw['name']}: limits cannot be negative")
    return Band(str(raw["name"]), float(raw["min_score"]), limits)


class ScoreProvider(Protocol):
    """Anything that gives a credit score for an owner (person or enterprise)."""

    def score(self, owner_id: str, features: Mapping[str, float]) -> float: ...


class FixedScore:
    """The placeholder scorer: the same score for everyone."""

    def __init__(self, value: float = PLACEHOLDER_SCORE) -> None:
        self.value = value

    def score(self, owner_id: str, features: Mapping[str, float]) -> float:
        """Always :attr:`value`."""
        return self.value


class BureauScore:
    """The default credit score when no scorecard is active: a documented bureau points model.

    ``base`` points, less ``per_overdue`` for each account overdue elsewhere (at most four
    counted), less ``per_inquiry`` for each bureau inquiry in 90 days beyond ``free_inquiries``;
    clipped to 300..850. Without a bureau report the placeholder score stands (a thin file).

    >>> s = BureauScore()
    >>> s.score("p1", {"person.bureau_overdue_accounts": 0.0, "person.bureau_inquiries_90d": 2.0})
    720.0
    >>> s.score("p1", {"person.bureau_overdue_accounts": 2.0, "person.bureau_inquiries_90d": 6.0})
    612.0
    >>> s.score("p1", {})
    600.0
    """

    def __init__(
        self,
        base: float = 720.0,
        per_overdue: float = 45.0,
        per_inquiry: float = 6.0,
        free_inquiries: int = 3,
    ) -> None:
        self.base = base
        self.per_overdue = per_overdue
        self.per_inquiry = per_inquiry
        self.free_inquiries = free_inquiries

    def score(self, owner_id: str, features: Mapping[str, float]) -> float:
        """Points from the latest bureau report's overdue accounts and 90-day inquiries."""
        overdue = features.get("person.bureau_overdue_accounts")
        inquiries = features.get("person.bureau_inquiries_90d")
        if overdue is None or inquiries is None or overdue != overdue or inquiries != inquiries:
            return PLACEHOLDER_SCORE
        points = self.base - self.per_overdue * min(float(overdue), 4.0)
        points -= self.per_inquiry * max(float(inquiries) - self.free_inquiries, 0.0)
        return float(min(max(points, 300.0), 850.0))
