"""Vectorised building blocks of the batch path over rows sorted by (entity, arrival).

Rows of one entity are contiguous; ``kc`` is the entity's code (0, 1, ... in row order) and
``comp = kc << 32 | bucket`` orders rows by entity, then bucket (when buckets never go back
within an entity, which the caller checks). A window read at row ``i`` covers the rows
``start_i .. i`` of its entity whose bucket is in the window.

>>> kc = np.array([0, 0, 0, 1]); b = np.array([10, 11, 13, 10])
>>> lo = window_start(composite(kc, b), kc, b, 2)
>>> lo.tolist(), window_sum(np.array([1.0, 2.0, 4.0, 8.0]), lo).tolist()
([0, 0, 2, 3], [1.0, 3.0, 4.0, 8.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from riskline.features.jit import search_sorted

__all__ = [
    "composite",
    "distinct_in_window",
    "key_cumsum",
    "key_starts",
    "last_position",
    "range_extreme",
    "window_start",
    "window_sum",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


def composite(kc: I64, bucket: I64) -> I64:
    """Sort key (entity, bucket); buckets must lie in ``[0, 2**32)``."""
    return np.asarray((kc << 32) | bucket, dtype=np.int64)


def window_start(comp: I64, kc: I64, bucket: I64, n: int) -> I64:
    """First row of each row's entity whose bucket is ``> bucket - n``."""
    return search_sorted(comp, composite(kc, bucket - n + 1))


def window_sum(w: F64, lo: I64) -> F64:
    """Sum of ``w[lo_i .. i]`` for every row ``i`` (exact for integer-valued ``w``)."""
    c = np.concatenate(([0.0], np.cumsum(w)))
    return np.asarray(c[1:] - c[lo], dtype=np.float64)


def key_starts(kc: I64) -> I64:
    """First row of each row's entity."""
    return search_sorted(kc, kc)


def key_cumsum(w: F64, starts: I64) -> F64:
    """Running sum of ``w`` within each entity (exact for integer-valued ``w``)."""
    return window_sum(w, starts)


def last_position(sel: B, starts: I64) -> I64:
    """Per row, the newest selected row of its entity up to it, or -1."""
    pos = np.where(sel, np.arange(len(sel)), -1)
    last = np.maximum.accumulate(pos) if len(pos) else pos
    return np.asarray(np.where(last >= starts, last, -1), dtype=np.int64)


def range_extreme(a: F64, lo: I64, largest: bool) -> F64:
    """``max`` (or ``min``) of ``a[lo_i .. i]`` for every row ``i`` (a sparse table)."""
    x = a if largest else -a
    n = len(x)
    if n == 0:
        return x.copy()
    levels = [x]
    k = 1
    while 2 * k <= n:
        prev = levels[-1]
        levels.append(np.maximum(prev[: len(prev) - k], prev[k:]))
        k *= 2
    hi = np.arange(n)
    lo = np.minimum(lo, hi)  # rows of entities the caller replays may carry any start
    span = hi - lo + 1
    p = np.floor(np.log2(span)).astype(np.int64)
    out = np.empty(n)
    for lv in np.unique(p):
        m = p == lv
        t = levels[int(lv)]
        out[m] = np.maximum(t[lo[m]], t[hi[m] - (1 << int(lv)) + 1])
    return out if largest else -out


def distinct_in_window(
    rows: I64, nxt: I64, comp: I64, kc: I64, bucket: I64, n: int, size: int
) -> npt.NDArray[np.int64]:
    """Distinct values in the window at every row.

    ``rows`` are the rows holding a value, ``nxt`` the next row holding the same value for the
    same entity (``size`` when none). A value counts from its row until it occurs again or its
    bucket leaves the window.
    """
    expiry = search_sorted(comp, composite(kc[rows], bucket[rows] + n))
    end = np.minimum(nxt, expiry)
    delta: Any = np.bincount(rows, minlength=size + 1) - np.bincount(end, minlength=size + 1)
    return np.asarray(np.cumsum(delta)[:size], dtype=np.int64)
