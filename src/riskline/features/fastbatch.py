"""Vectorised point-in-time batch features: the online engine's values, computed by columns.

Every feature of every (event, entity) pair is computed from whole columns (running sums,
window starts by binary search, sparse-table minima/maxima, first-occurrence flags, interval
counting for distinct values), reproducing the online semantics exactly: arrival order,
bucketed windows, the lateness rule (late events skip windows and read at the horizon) and
entity resolution. Not vectorised: decayed sums run their recurrence in a loop over the
matching rows (the float operations must be the online ones); value sets over the online cap
run the online set logic for those entities; entities whose buckets go back in time (events
out of order across a bucket edge) are replayed through the compiled online plan (see
:class:`~riskline.features.rows.KindRows`).

>>> from riskline.features import default_catalog
>>> from riskline.bench.synth import generate_history
>>> df = compute_batch_fast(default_catalog(), generate_history(300, seed=2))
>>> df.height, df.columns[0], len(df.columns) == len(default_catalog()) + 1
(300, 'event_id', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from operator import attrgetter

import numpy as np
import polars as pl
import pyarrow as pa

from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.compiler import compile_catalog
from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef, FeatureType
from riskline.features.frame import event_frame
from riskline.features.jit import decayed_sums, seg_cummax, seg_cummin
from riskline.features.kernels import F64, key_cumsum, range_extreme, window_sum
from riskline.features.plan import KindPlan, scale_of, source_of
from riskline.features.rows import Columns, KindRows

__all__ = ["batch_from_frame", "compute_batch_fast"]

NAN = float("nan")


def compute_batch_fast(
    catalog: Catalog, events: Iterable[Event], lateness: timedelta = timedelta(hours=24)
) -> pl.DataFrame:
    """Same frame as :func:`~riskline.features.batch.compute_batch`, computed by columns."""
    evs = list(events)
    ids = pa.array(list(map(attrgetter("event_id"), evs)), pa.string())
    return batch_from_frame(catalog, event_frame(catalog, evs), ids, lateness)


def batch_from_frame(
    catalog: Catalog, df: pl.DataFrame, ids: pa.Array, lateness: timedelta
) -> pl.DataFrame:
    """Features of every row of an :func:`~riskline.features.frame.event_frame`-shaped frame."""
    lat = int(lateness.total_seconds())
    ts = df["ts"].to_numpy()
    hz = (np.maximum.accumulate(ts) if len(ts) else ts) - lat
    late = ts < hz
    t = np.where(late, hz, ts)
    cols: dict[str, pa.Array] = {"event_id": ids}
    n, shared = df.height, Columns(df)
    plans: dict[str, KindPlan] = {}
    for kind in dict.fromkeys(d.entity for d in catalog):
        rows = KindRows(shared, kind, t, late, hz, lat)
        vals = _kind_values(catalog, kind, rows)
        if rows.dirty.any():
            plans = plans or compile_catalog(catalog)
            _replay(plans[kind], rows, vals)
        missing = np.ones(n, dtype=bool)
        missing[rows.idx] = False
        for name, v in vals.items():
            full = np.full(n, NAN)
            full[rows.idx] = v
            cols[name] = pa.array(full, mask=missing)
    out = pl.from_arrow(pa.table({k: cols[k] for k in ["event_id", *(d.name for d in catalog)]}))
    assert isinstance(out, pl.DataFrame)
    return out


def _kind_values(catalog: Catalog, kind: str, rows: KindRows) -> dict[str, F64]:
    done: dict[str, F64] = {}
    for d in catalog:
        if d.entity != kind:
            continue
        if d.aggregate is A.RATIO:
            num, den = (done[x] for x in d.of or ())
            with np.errstate(divide="ignore", invalid="ignore"):
                raw = np.where(den != 0, num / den, NAN)
        elif d.window is not None:
            raw = _windowed(d, rows)
        else:
            raw = _lifetime(d, rows)
        done[d.name] = _post(d, raw)
    return done


def _post(d: FeatureDef, x: F64) -> F64:
    if d.type is FeatureType.BOOL:
        return np.where(x > 0, 1.0, 0.0)
    if d.default is not None:
        return np.where(np.isnan(x), d.default, x)
    return x


def _numeric(d: FeatureDef, rows: KindRows, sel: np.ndarray, fill: float) -> F64:
    x, present = rows.values(d.value or "")
    sel = sel & present
    if d.aggregate in (A.SUM, A.MEAN):
        rows.sums_exact(x[sel])
    return np.where(sel, x, fill)


def _windowed(d: FeatureDef, rows: KindRows) -> F64:
    src, agg, sc = source_of(d), d.aggregate, scale_of(d)
    res, n = d.resolution or 1, d.buckets
    lo = rows.window(res, n)
    sel = rows.match(src) & ~rows.late
    if agg is A.DISTINCT:
        return rows.distinct(src, d.value or "", res, n).astype(np.float64)
    if agg is A.COUNT_NEW:
        flags = rows.lifetime_set(src, d.value or "")[0]
        return window_sum((flags & sel).astype(np.float64), lo)
    if agg in (A.MIN, A.MAX):
        big = agg is A.MAX
        ext = range_extreme(_numeric(d, rows, sel, -np.inf if big else np.inf), lo, big)
        return np.where(np.isinf(ext), NAN, ext) / sc
    c = window_sum(sel.astype(np.float64), lo)
    if agg is A.COUNT:
        return c
    s = window_sum(_numeric(d, rows, sel, 0.0), lo)
    if agg is A.SUM:
        return s / sc
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c != 0, s / c / sc, NAN)


def _per_key(rows: KindRows, x: F64 | np.ndarray, how: str) -> np.ndarray:
    """Running ``cum_min`` / ``cum_max`` of ``x`` within each entity."""
    return seg_cummax(x, rows.kc) if how == "max" else seg_cummin(x, rows.kc)


def _lifetime(d: FeatureDef, rows: KindRows) -> F64:
    src, agg, sc, st = source_of(d), d.aggregate, scale_of(d), rows.starts
    sel = rows.match(src)
    if agg in (A.DISTINCT, A.COUNT_NEW):
        flags, sizes = rows.lifetime_set(src, d.value or "")
        return sizes if agg is A.DISTINCT else key_cumsum(flags.astype(np.float64), st)
    if agg in (A.SINCE_FIRST, A.SINCE_LAST):
        first = agg is A.SINCE_FIRST
        edge = _per_key(
            rows, np.where(sel, rows.ts, np.inf if first else -np.inf), "min" if first else "max"
        )
        return np.where(np.isinf(edge), NAN, np.maximum(0, rows.t - edge) / d.unit)
    if agg is A.LAST:
        x, present = rows.values(d.value or "")
        order = np.where(sel & present, (rows.ts << 28) | np.arange(rows.size), -1)
        best = _per_key(rows, order, "max")
        return np.where(best >= 0, x[np.where(best >= 0, best & ((1 << 28) - 1), 0)], NAN) / sc
    if agg is A.DECAYED_SUM:
        return _decayed(d, rows, sel) / sc
    if agg in (A.MIN, A.MAX):
        big = agg is A.MAX
        ext = _per_key(rows, _numeric(d, rows, sel, -np.inf if big else np.inf), agg.value)
        return np.where(np.isinf(ext), NAN, ext) / sc
    c = key_cumsum(sel.astype(np.float64), st)
    if agg is A.COUNT:
        return c
    s = key_cumsum(_numeric(d, rows, sel, 0.0), st)
    if agg is A.SUM:
        return s / sc
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c != 0, s / c / sc, NAN)


def _decayed(d: FeatureDef, rows: KindRows, sel: np.ndarray) -> F64:
    """The online recurrence over matching rows, read at every row (a compiled loop)."""
    x, present = rows.values(d.value or "")
    return decayed_sums(sel & present, x, rows.kc, rows.ts, rows.t, d.half_life or 1)


def _replay(plan: KindPlan, rows: KindRows, vals: dict[str, F64]) -> None:
    """Recompute the dirty entities' rows through the compiled online plan."""
    pick = np.nonzero(rows.dirty[rows.kc])[0]
    frame = rows.cols.df[rows.idx[pick]]
    fields = [c for c in frame.columns if c.startswith("f_")]
    views = frame.select(pl.col(c).alias(c[2:]) for c in fields).to_dicts()
    types = frame["type"].to_list()
    kc, ts = rows.kc[pick].tolist(), rows.ts[pick].tolist()
    t, hz, late = rows.t[pick].tolist(), rows.hz[pick].tolist(), rows.late[pick].tolist()
    key, st = -1, plan.new_state()
    for j, r in enumerate(pick.tolist()):
        if kc[j] != key:
            key, st = kc[j], plan.new_state()
        update = plan.updates.get(types[j])
        if update is not None:
            update(st, views[j], ts[j], late[j], hz[j])
        out: dict[str, float] = {}
        plan.read(st, t[j], hz[j], out)
        for name, v in out.items():
            vals[name][r] = v
