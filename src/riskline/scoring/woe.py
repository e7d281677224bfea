"""Weight-of-evidence binning of one variable, fitted with optbinning, applied without it."""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from riskline.errors import InvalidInput

__all__ = ["VariableBins", "fit_bins"]


@dataclass(frozen=True, slots=True)
class VariableBins:
    """Bins of one variable: numeric cut points or category groups, WoE per bin and IV.

    WoE follows optbinning: ``ln(share of non-events / share of events)``, so a higher WoE
    means a safer bin. ``woe[-1]`` is the missing (or unseen category) bin; with
    ``special_codes`` (numeric only, as optbinning's ``special_codes``) ``woe[-2]`` is the bin
    of those codes.

    >>> b = VariableBins("age", "numeric", splits=(25.0, 40.0), woe=(-0.5, 0.1, 0.4, 0.0), iv=0.2)
    >>> b.bin_index([18, 25, 60, float("nan")]).tolist()
    [0, 1, 2, 3]
    >>> b.labels()
    ('(-inf, 25)', '[25, 40)', '[40, inf)', 'missing')
    >>> s = VariableBins("m", "numeric", (-0.2, 0.3, 0.9, 0.0), 0.1, (10.0,), special_codes=(-7.0,))
    >>> s.bin_index([3, 12, -7, float("nan")]).tolist(), s.labels()[2]
    ([0, 1, 2, 3], 'special {-7}')
    """

    name: str
    kind: str
    woe: tuple[float, ...]
    iv: float
    splits: tuple[float, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    special_codes: tuple[float, ...] = ()

    def _specials(self) -> tuple[float, ...]:
        # bins pickled before special codes existed unpickle without the slot
        return getattr(self, "special_codes", ())

    def bin_index(self, values: Any) -> NDArray[np.intp]:
        """Bin number of each value; the last bin takes missing and unseen values."""
        missing = len(self.woe) - 1
        if self.kind == "numeric":
            x = np.asarray(values, dtype=np.float64)
            idx = np.searchsorted(np.asarray(self.splits), x, side="right")
            specials = self._specials()
            if specials:
                idx = np.where(np.isin(x, specials), missing - 1, idx)
            return np.where(np.isnan(x), missing, idx).astype(np.intp)
        lookup = {c: i for i, group in enumerate(self.categories) for c in group}
        return np.fromiter((lookup.get(str(v), missing) for v in values), dtype=np.intp)

    def transform(self, values: Any) -> NDArray[np.float64]:
        """WoE of each value."""
        return np.asarray(self.woe, dtype=np.float64)[self.bin_index(values)]

    def labels(self) -> tuple[str, ...]:
        """Human-readable label of each bin, in bin order."""
        if self.kind == "numeric":
            edges = ["-inf", *(f"{s:g}" for s in self.splits), "inf"]
            cuts = [f"[{a}, {b})" for a, b in itertools.pairwise(edges)]
            cuts[0] = "(" + cuts[0][1:]
            if self._specials():
                cuts.append("special {" + ", ".join(f"{c:g}" for c in self._specials()) + "}")
            return (*cuts, "missing")
        return (*("{" + ", ".join(g) + "}" for g in self.categories), "missing")


def fit_bins(
    name: str,
    values: Any,
    y: NDArray[np.int_],
    *,
    categorical: bool = False,
    monotonic_trend: str = "auto_asc_desc",
    max_n_bins: int = 10,
    special_codes: tuple[float, ...] = (),
) -> VariableBins:
    """Optimal WoE bins of one variable (monotonic event rate for numeric variables).

    ``special_codes`` (numeric variables) get their own bin, as optbinning's ``special_codes``.
    A variable optbinning cannot bin raises :class:`InvalidInput` naming it.
    """
    from optbinning import OptimalBinning  # type: ignore[import-untyped]

    kind = "categorical" if categorical else "numeric"
    if categorical:
        x = np.asarray([str(v) for v in values], dtype=object)
    else:
        try:
            x = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInput(f"column {name!r} is not numeric; list it as categorical") from None
    params: dict[str, Any] = {"dtype": "categorical" if categorical else "numerical"}
    params["max_n_bins"] = max_n_bins
    specials = tuple(special_codes) if not categorical else ()
    if not categorical:
        params["monotonic_trend"] = monotonic_trend
    if specials:
        params["special_codes"] = list(specials)
    with warnings.catch_warnings():
        # optbinning builds pandas tables with patterns that newer pandas deprecates.
        warnings.simplefilter("ignore")
        try:
            ob = OptimalBinning(name, **params).fit(x, y)
        except ValueError as err:  # e.g. "Found array with 0 sample(s)": nothing left to bin
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise InvalidInput(f"column {name!r} cannot be binned: {first}") from None
        table = ob.binning_table.build()
    rows = table.drop(index="Totals")
    n_bins = len(rows) - 2  # then Special, Missing
    kept = rows["WoE"].iloc[: n_bins + 1 if specials else n_bins]  # the Special row follows
    woe = [float(w) for w in kept] + [float(rows["WoE"].iloc[-1])]
    iv = float(table.loc["Totals", "IV"])
    iv = 0.0 if math.isnan(iv) else iv
    if categorical:
        groups = tuple(tuple(str(c) for c in g) for g in ob.splits)
        return VariableBins(name, kind, woe=tuple(woe), iv=iv, categories=groups)
    splits = tuple(map(float, ob.splits))
    return VariableBins(name, kind, tuple(woe), iv, splits=splits, special_codes=specials)
