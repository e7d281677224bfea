"""The rows of one entity kind for the vectorised batch path, with shared intermediates.

Rows are the (event, entity) pairs of one kind sorted by (entity, arrival). Masks, value
arrays, window starts and first-occurrence flags are computed once and shared by the features
that read them. Value sets of entities that reach the online engine's cap run the online set
logic itself (it forgets values). Entities the formulas cannot reproduce exactly (buckets going
back in time within the entity; non-integer or huge sums) are marked ``dirty`` and replayed
through the compiled online plan instead.
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
    key_cumsum,
    key_starts,
    window_start,
)
from riskline.features.plan import SET_CAP, Source
from riskline.features.windows import PyDistinct, shrink_seen

__all__ = ["Columns", "KindRows"]


class Columns:
    """Whole-history columns shared by every entity kind: filter masks, values, value codes."""

    def __init__(self, df: pl.DataFrame) -> None:
        self.df = df
        self._cache: dict[Any, Any] = {}

    def _memo(self, key: Any, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def match(self, src: Source) -> B:
        """Events whose type and filter match ``src``."""

        def make() -> B:
            expr = pl.col("type").is_in(list(src[0]))
            for field, allowed in src[1]:
                expr = expr & pl.col(f"f_{field}").is_in(list(allowed))
            return self.df.select(expr.fill_null(False)).to_series().to_numpy()

        out: B = self._memo(("match", src), make)
        return out

    def values(self, field: str) -> tuple[F64, B]:
        """A numeric field (NaN where absent) and where it is present."""

        def make() -> tuple[F64, B]:
            s = self.df[f"f_{field}"]
            return s.fill_null(np.nan).to_numpy(), s.is_not_null().to_numpy()

        out: tuple[F64, B] = self._memo(("values", field), make)
        return out

    def codes(self, field: str) -> I64:
        """An integer per distinct value of a text field (-1 where absent)."""

        def make() -> I64:
            s = self.df[f"f_{field}"]
            codes = s.cast(pl.Categorical).to_physical().cast(pl.Int64).fill_null(-1)
            return codes.to_numpy()

        out: I64 = self._memo(("codes", field), make)
        return out


class KindRows:
    """Rows of one entity kind and the intermediates its features share."""

    def __init__(self, cols: Columns, kind: str, t: I64, late: B, hz: I64, lateness: int):
        key = cols.df[f"k_{kind}"]
        present = np.nonzero(key.is_not_null().to_numpy())[0]
        codes = key.gather(present).cast(pl.Categorical).to_physical().to_numpy()
        order = np.argsort(codes, kind="stable")
        self.cols = cols
        self.idx: I64 = present[order]  # events are frame rows (the frame is in arrival order)
        sorted_codes = codes[order]
        self.kc: I64 = np.concatenate(([0], np.cumsum(sorted_codes[1:] != sorted_codes[:-1])))
        self.kc = self.kc[: len(self.idx)].astype(np.int64)
        self.ts: I64 = cols.df["ts"].to_numpy()[self.idx]
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
        out: B = self._memo(("match", src), lambda: self.cols.match(src)[self.idx])
        return out

    def values(self, field: str) -> tuple[F64, B]:
        """A numeric field (NaN where absent) and where it is present."""

        def make() -> tuple[F64, B]:
            x, present = self.cols.values(field)
            return x[self.idx], present[self.idx]

        out: tuple[F64, B] = self._memo(("values", field), make)
        return out

    def column(self, name: str) -> list[Any]:
        """A frame column's values in row order (for the few loops that need Python values)."""
        out: list[Any] = self.cols.df[name].gather(self.idx).to_list()
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
            codes = self.cols.codes(field)[self.idx]
            sel = self.match(src) & (codes >= 0)
            if windowed:
                sel &= ~self.late
            rows = np.nonzero(sel)[0]
            pair = self.kc[rows] * (int(codes.max(initial=0)) + 1) + codes[rows]
            order = np.argsort(pair, kind="stable")
            same = pair[order][1:] == pair[order][:-1]
            nxt = np.full(len(rows), self.size, dtype=np.int64)
            nxt[order[:-1][same]] = rows[order[1:][same]]
            first = np.ones(len(rows), dtype=bool)
            first[order[1:][same]] = False
            return rows, nxt, first

        out: tuple[I64, I64, B] = self._memo(("occ", src, field, windowed), make)
        return out

    def lifetime_set(self, src: Source, field: str) -> tuple[B, F64]:
        """Rows whose value is new to the entity's lifetime set, and the set's size after each.

        Entities with more values than the online cap are run through the online set logic
        (it forgets the oldest values, which then count as new again).
        """

        def make() -> tuple[B, F64]:
            rows, _, first = self.occurrences(src, field, False)
            flags = np.zeros(self.size, dtype=bool)
            flags[rows[first]] = True
            sizes = key_cumsum(flags.astype(np.float64), self.starts)
            hot = np.bincount(self.kc[flags], minlength=self.n_keys) > SET_CAP
            if hot.any():
                self._lifetime_replay(hot, rows, field, flags, sizes)
            return flags, sizes

        out: tuple[B, F64] = self._memo(("life", src, field), make)
        return out

    def _lifetime_replay(self, hot: B, rows: I64, field: str, flags: B, sizes: F64) -> None:
        adds = np.zeros(self.size, dtype=bool)
        adds[rows] = True
        xs, kc, ts = self.column(f"f_{field}"), self.kc.tolist(), self.ts.tolist()
        seen: dict[str, int] = {}
        key = -1
        for r in np.nonzero(hot[self.kc])[0].tolist():
            if kc[r] != key:
                key, seen = kc[r], {}
            flags[r] = False
            if adds[r] and xs[r] not in seen:
                seen[xs[r]] = ts[r]
                flags[r] = True
                if len(seen) > SET_CAP:
                    shrink_seen(seen, SET_CAP)
            sizes[r] = len(seen)

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
        xs = self.column(f"f_{field}")
        kc, add = self.kc[pick].tolist(), adds[pick].tolist()
        bs, tbs = (self.ts[pick] // res).tolist(), (self.t[pick] // res).tolist()
        edges = (self.hz[pick] // res - n).tolist()
        out: list[int] = []
        key, d = -1, PyDistinct(n)
        for i, r in enumerate(pick.tolist()):
            if kc[i] != key:
                key, d = kc[i], PyDistinct(n)
            if add[i]:
                d.add(xs[r], bs[i], edges[i], SET_CAP)
            out.append(d.count(tbs[i]))
        counts[pick] = out
