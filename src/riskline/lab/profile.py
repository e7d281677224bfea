"""What a model's population looked like at training: bins and shares for PSI and CSI.

The report writes ``profile.json`` beside the model; monitoring reads it back and puts a new
period's rows into the same bins. A bin set always ends with one bin for missing values (and,
for categories, values never seen in training); numeric bins may hold one bin per special code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from riskline.errors import InvalidInput
from riskline.scoring.gbdt import GbdtModel
from riskline.scoring.scorecard import Scorecard

__all__ = ["Bins", "is_categorical", "psi", "quantile_bins", "raw_scores", "to_score"]

_TOP_CATEGORIES = 12


@dataclass(frozen=True, slots=True)
class Bins:
    """Bins of one column: cut points (numeric) or category groups, then special codes, then
    one bin for missing and unseen values.

    >>> b = Bins("numeric", edges=(10.0, 20.0), special=(-9.0,))
    >>> b.index([5, 10, 25, -9, None]).tolist()
    [0, 1, 2, 3, 4]
    >>> b.labels()
    ('(-inf, 10)', '[10, 20)', '[20, inf)', 'special -9', 'missing')
    >>> Bins("categorical", groups=(("a", "b"), ("c",))).index(["b", "c", "z"]).tolist()
    [0, 1, 2]
    """

    kind: str  # "numeric" | "categorical"
    edges: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    special: tuple[float, ...] = ()

    @property
    def size(self) -> int:
        """Number of bins, the missing bin included."""
        if self.kind == "numeric":
            return len(self.edges) + 1 + len(self.special) + 1
        return len(self.groups) + 1

    def index(self, values: Any) -> NDArray[np.intp]:
        """The bin of each value."""
        missing = self.size - 1
        if self.kind == "categorical":
            lookup = {c: i for i, group in enumerate(self.groups) for c in group}
            text = pl.Series(values, strict=False).cast(pl.String)
            if "None" in lookup:  # a scorecard's categories saw missing values as "None"
                text = text.fill_null("None")
            codes = text.replace_strict(lookup, default=missing, return_dtype=pl.Int64)
            return codes.fill_null(missing).to_numpy().astype(np.intp)
        x = _floats(values)
        idx = np.searchsorted(np.asarray(self.edges, dtype=np.float64), x, side="right")
        for i, code in enumerate(self.special):
            idx = np.where(x == code, len(self.edges) + 1 + i, idx)
        return np.where(np.isnan(x), missing, idx).astype(np.intp)

    def shares(self, values: Any) -> NDArray[np.float64]:
        """Share of ``values`` in each bin (zeros when there are none)."""
        counts = np.bincount(self.index(values), minlength=self.size).astype(np.float64)
        total = counts.sum()
        return counts / total if total else counts

    def labels(self) -> tuple[str, ...]:
        """A label per bin, in bin order."""
        if self.kind == "categorical":
            return (*("{" + ", ".join(g) + "}" for g in self.groups), "other / missing")
        cuts = ["-inf", *(f"{e:g}" for e in self.edges), "inf"]
        spans = [f"[{a}, {b})" for a, b in itertools.pairwise(cuts)]
        spans[0] = "(" + spans[0][1:]
        return (*spans, *(f"special {s:g}" for s in self.special), "missing")

    def as_json(self) -> dict[str, Any]:
        """Plain JSON of the bins."""
        return {
            "kind": self.kind,
            "edges": list(self.edges),
            "groups": [list(g) for g in self.groups],
            "special": list(self.special),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Bins:
        """Bins back from :meth:`as_json`."""
        return cls(
            str(raw["kind"]),
            edges=tuple(float(e) for e in raw.get("edges", ())),
            groups=tuple(tuple(str(c) for c in g) for g in raw.get("groups", ())),
            special=tuple(float(s) for s in raw.get("special", ())),
        )


def _floats(values: Any) -> NDArray[np.float64]:
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64, strict=False).fill_null(math.nan).to_numpy()
    return np.asarray([math.nan if v is None else v for v in values], dtype=np.float64)


def is_categorical(series: pl.Series, listed: Sequence[str] = ()) -> bool:
    """Whether a column is binned by category: listed as categorical, or not numeric."""
    return series.name in listed or not (series.dtype.is_numeric() or series.dtype == pl.Null)


def quantile_bins(
    series: pl.Series, *, categorical: bool, special: Sequence[float] = (), bins: int = 10
) -> Bins:
    """Deciles of a numeric column (special codes apart) or its most frequent categories.

    >>> quantile_bins(pl.Series("x", list(range(100))), categorical=False, bins=4).edges
    (24.75, 49.5, 74.25)
    >>> quantile_bins(pl.Series("c", ["a", "a", "b"]), categorical=True).groups
    (('a',), ('b',))
    """
    if categorical:
        counts = series.cast(pl.String).drop_nulls().value_counts(sort=True)
        top = counts[series.name].head(_TOP_CATEGORIES).to_list()
        return Bins("categorical", groups=tuple((str(c),) for c in top))
    x = _floats(series)
    codes = tuple(float(s) for s in special if np.any(x == s))
    plain = x[~np.isnan(x) & ~np.isin(x, codes)]
    if plain.size == 0:
        return Bins("numeric", special=codes)
    inner = np.quantile(plain, np.linspace(0, 1, bins + 1))[1:-1]
    edges = tuple(float(e) for e in np.unique(inner) if e > plain.min())
    return Bins("numeric", edges=edges, special=codes)


def psi(expected: ArrayLike, actual: ArrayLike) -> float:
    """Population stability index of two share vectors over the same bins (empty bins count
    as 1e-6, as :func:`riskline.scoring.psi` does).

    >>> psi([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> round(psi([0.5, 0.5], [0.9, 0.1]), 4)
    0.8789
    """
    e = np.clip(np.asarray(expected, dtype=np.float64), 1e-6, None)
    a = np.clip(np.asarray(actual, dtype=np.float64), 1e-6, None)
    if e.shape != a.shape:
        raise InvalidInput(f"PSI needs the same bins on both sides ({e.size} vs {a.size})")
    return float(np.sum((a - e) * np.log(a / e)))


def raw_scores(model: object, x: pl.DataFrame) -> NDArray[np.float64]:
    """The model's raw score of each row, higher = riskier: a scorecard's log-odds of bad, a
    booster's margin (categories through the codes it was trained with)."""
    if isinstance(model, Scorecard):
        return model.log_odds(x)
    if isinstance(model, GbdtModel):
        cols = []
        for name in model.features_:
            codes = model.category_codes_.get(name)
            col = x[name]
            if codes is not None and not col.dtype.is_numeric():
                col = col.cast(pl.String).replace_strict(
                    codes, default=None, return_dtype=pl.Float64
                )
            cols.append(_floats(col))
        return model.margin(np.column_stack(cols) if cols else np.zeros((x.height, 0)))
    raise InvalidInput(
        f"cannot score with a {type(model).__name__}; the lab reads scorecards and LightGBM models"
    )


def to_score(model: object, raw: NDArray[np.float64]) -> NDArray[np.float64]:
    """What the report calls the score: a scorecard's points (higher = safer), else the raw
    margin (higher = riskier)."""
    if isinstance(model, Scorecard):
        return model.scale.offset - model.scale.factor * raw
    return raw
