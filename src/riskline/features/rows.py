"""The rows of one entity kind for the vectorised batch path, with shared intermediates.

Rows are the (event, entity) pairs of one kind sorted by (entity, arrival). Masks, value
arrays, window starts and first-occurrence flags are computed once and shared by the features
that read them. Entities the vectorised formulas cannot reproduce exactly (buckets going back
in time within the entity, value sets reaching the online engine's cap) are marked ``dirty``
and replayed through the compiled online plan instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from riskline.features.kernels import (
    F64,
    I64,
    B,
    composite,
    distinct_in_window,
    key_starts,
    window_start,
)
from riskline.features.plan import SET_CAP, Source
from riskline.features.windows import Distinct

__all__ = ["KindRows"]


class KindRows:
    """Rows of one entity kind and the intermediates its features share."""

    def __init__(self, df: pl.DataFrame, kind: str, t: I64, late: B, hz: I64, lateness: int):
        col = f"k_{kind}"
        self.frame = df.filter(pl.col(col).is_not_null()).sort([col, "idx"])
        k = self.frame[col]
        self.kc: I64 = (k != k.shift(1)).fill_null(True).cast(pl.Int64).cum_sum().to_numpy() - 1
        self.idx: I64 = self.frame["idx"].to_numpy()
        self.ts: I64 = self.frame["ts"].to_numpy()
        self.t, self.late, self.hz = t[self.idx], late[self.idx], hz[self.idx]
        self.size = len(self.idx)
        self.starts = key_starts(self.kc)
        self.n_keys = int(self.kc[-1]) + 1 if self.size else 0
        self.dirty = np.zeros(self.n_keys, dtype=bool)
        self.lateness = lateness
        self._cache: dict[Any, Any] = {}

    def _memo(self, key: Any, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def match(self, src: Source) -> B:
        """Rows whose event type and filter match ``src``."""

        def make() -> B:
            expr = pl.col("type").is_in(list(src[0]))
            for field, allowed in src[1]:
                expr = expr & pl.col(f"f_{field}").is_in(list(allowed))
            out: B = self.frame.select(expr.fill_null(False)).to_series().to_numpy()
            return out

        out: B = self._memo(("match", src), make)
        return out

    def values(self, field: str) -> tuple[F64, B]:
        """A numeric field (NaN where absent) and where it is present."""

        def make() -> tuple[F64, B]:
            s = self.frame[f"f_{field}"]
            return s.fill_null(np.nan).to_numpy(), s.is_not_null().to_numpy()

        out: tuple[F64, B] = self._memo(("values", field), make)
        return out

    def sums_exact(self, x: F64) -> None:
        """Running sums are exact only for integers well inside float precision."""
        ok = np.all((x == np.floor(x)) & (np.abs(x) < 2.0**40))
        if not ok:
            self.dirty[:] = True

    def buckets(self, res: int) -> tuple[I64, I64]:
        """Read bucket of every row and the (entity, bucket) sort key; marks disorder dirty."""

        def make() -> tuple[I64, I64]:
            b = self.t // res
            comp = composite(self.kc, b)
            back = np.nonzero(np.diff(comp) < 0)[0] + 1
            self.dirty[self.kc[back]] = True
            return b, comp

        out: tuple[I64, I64] = self._memo(("buckets", res), make)
        return out

    def window(self, res: int, n: int) -> I64:
        """First row of each row's window of ``n`` buckets of ``res`` seconds."""

        def make() -> I64:
            b, comp = self.buckets(res)
            return window_start(comp, self.kc, b, n)

        out: I64 = self._memo(("window", res, n), make)
        return out

    def occurrences(self, src: Source, field: str, windowed: bool) -> tuple[I64, I64, B]:
        """Rows holding a matching ``field`` value, the next row with the same value, first.

        Windowed sets skip late rows; lifetime sets take every row.
        """

        def make() -> tuple[I64, I64, B]:
            s = self.frame[f"f_{field}"]
            sel = self.match(src) & s.is_not_null().to_numpy()
            if windowed:
                sel &= ~self.late
            rows = np.nonzero(sel)[0]
            tmp = pl.DataFrame({"r": rows, "k": self.kc[rows], "v": s.filter(pl.Series(sel))})
            out = tmp.select(
                pl.col("r").shift(-1).over("k", "v").fill_null(self.size).alias("n"),
                pl.struct("k", "v").is_first_distinct().alias("f"),
            )
            return rows, out["n"].to_numpy(), out["f"].to_numpy()

        out: tuple[I64, I64, B] = self._memo(("occ", src, field, windowed), make)
        return out

    def first_flags(self, src: Source, field: str) -> B:
        """Rows whose value is new to the entity's lifetime set (marks overflowing sets dirty)."""

        def make() -> B:
            rows, _, first = self.occurrences(src, field, False)
            flags = np.zeros(self.size, dtype=bool)
            flags[rows[first]] = True
            per_key = np.bincount(self.kc[flags], minlength=self.n_keys)
            self.dirty |= per_key > SET_CAP
            return flags

        out: B = self._memo(("first", src, field), make)
        return out

    def distinct(self, src: Source, field: str, res: int, n: int) -> I64:
        """Windowed distinct counts (marks entities near the set cap dirty)."""
        rows, nxt, _ = self.occurrences(src, field, True)
        b, comp = self.buckets(res)
        wide = n + self.lateness // res + 2
        near = distinct_in_window(rows, nxt, comp, self.kc, b, wide, self.size) > SET_CAP
        counts = distinct_in_window(rows, nxt, comp, self.kc, b, n, self.size)
        hot = np.zeros(self.n_keys, dtype=bool)
        hot[self.kc[near]] = True
        if hot.any():
            self._distinct_replay(hot, rows, field, res, n, counts)
        return counts

    def _distinct_replay(
        self, hot: B, rows: I64, field: str, res: int, n: int, counts: I64
    ) -> None:
        """Entities near the cap: run the online value set itself (it forgets values)."""
        adds = np.zeros(self.size, dtype=bool)
        adds[rows] = True
        pick = np.nonzero(hot[self.kc])[0]
        xs = self.frame[f"f_{field}"].to_list()
        kc, ts, t, hz = self.kc.tolist(), self.ts.tolist(), self.t.tolist(), self.hz.tolist()
        key, d = -1, Distinct(n)
        for r in pick.tolist():
            if kc[r] != key:
                key, d = kc[r], Distinct(n)
            if adds[r]:
                d.add(xs[r], ts[r] // res, hz[r] // res - n, SET_CAP)
            counts[r] = d.count(t[r] // res)
