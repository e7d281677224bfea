"""Compiled loops of the batch path (numba, cached on disk), with numpy/Python fallbacks.

Rows are sorted by entity (``kc`` ascending, arrival order within an entity). Each kernel is
one pass over the rows. When numba is not installed the same functions run as plain Python
(slow but identical), so numba is an accelerator, not a requirement. The first call in a fresh
environment compiles (about a second, see docs/features.md); later processes load the cache.

>>> import numpy as np
>>> kc = np.array([0, 0, 0, 1, 1])
>>> seg_cummax(np.array([1.0, 3.0, 2.0, -1.0, 5.0]), kc).tolist()
[1.0, 3.0, 3.0, -1.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

__all__ = ["HAVE_NUMBA", "decayed_sums", "search_sorted", "seg_cummax", "seg_cummin"]

F = TypeVar("F", bound=Callable[..., Any])

try:
    import importlib.util

    HAVE_NUMBA = importlib.util.find_spec("numba") is not None
except ValueError:  # pragma: no cover
    HAVE_NUMBA = False


class _Lazy:
    """Compiles ``fn`` with numba on the first call (importing numba costs ~0.5 s)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.compiled: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        if self.compiled is None:
            if HAVE_NUMBA:
                from numba import njit

                self.compiled = njit(cache=True, nogil=True)(self.fn)
            else:  # pragma: no cover - numba is a declared dependency
                self.compiled = self.fn
        return self.compiled(*args)


def _compiled(fn: F) -> F:
    return cast(F, _Lazy(fn))


@_compiled
def _seg_scan(x: Any, kc: Any, largest: bool) -> Any:  # pragma: no cover - compiled
    out = np.empty_like(x)
    for i in range(len(x)):
        if i == 0 or kc[i] != kc[i - 1]:  # noqa: SIM114 (numba: ``best`` unset at i == 0)
            best = x[i]
        elif (x[i] > best) if largest else (x[i] < best):
            best = x[i]
        out[i] = best
    return out


def seg_cummax(x: npt.NDArray[Any], kc: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """Running maximum of ``x`` within each run of equal ``kc``."""
    out: npt.NDArray[Any] = _seg_scan(x, kc, True)
    return out


def seg_cummin(x: npt.NDArray[Any], kc: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """Running minimum of ``x`` within each run of equal ``kc``."""
    out: npt.NDArray[Any] = _seg_scan(x, kc, False)
    return out


@_compiled
def _decayed(
    sel: Any, x: Any, kc: Any, ts: Any, t: Any, hl: int, two: float
) -> Any:  # pragma: no cover
    out = np.empty(len(x))
    v, last = 0.0, -np.inf
    for i in range(len(x)):
        if i == 0 or kc[i] != kc[i - 1]:
            v, last = 0.0, -np.inf
        if sel[i]:
            now = float(ts[i])
            if last == -np.inf:
                v, last = x[i], now
            elif now >= last:
                v, last = v * two ** ((last - now) / hl) + x[i], now
            else:
                v += x[i] * two ** ((now - last) / hl)
        if last == -np.inf:
            out[i] = 0.0
        else:
            tt = float(t[i])
            out[i] = v * two ** ((last - tt) / hl) if tt > last else v
    return out


def decayed_sums(
    sel: npt.NDArray[np.bool_],
    x: npt.NDArray[np.float64],
    kc: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    t: npt.NDArray[np.int64],
    half_life: int,
) -> npt.NDArray[np.float64]:
    """Per row, the entity's decayed sum of ``x`` over selected rows so far, read at ``t``.

    The recurrence and the read are the online engine's
    (:func:`riskline.features.readers.decay_update`, :func:`~riskline.features.readers.decayed`)
    with the same float operations in the same order.
    """
    # ``two`` is an argument so that LLVM cannot turn pow(2, y) into exp2(y), which rounds
    # differently from the libm pow CPython calls.
    out: npt.NDArray[np.float64] = _decayed(sel, x, kc, ts, t, half_life, 2.0)
    return out


@_compiled
def _merge_search(a: Any, q: Any) -> Any:  # pragma: no cover - compiled
    out = np.empty(len(q), dtype=np.int64)
    j = 0
    for i in range(len(q)):
        while j < len(a) and a[j] < q[i]:
            j += 1
        out[i] = j
    return out


def _ascending(x: npt.NDArray[np.int64]) -> bool:
    return len(x) < 2 or bool(np.all(x[1:] >= x[:-1]))


def search_sorted(a: npt.NDArray[np.int64], q: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.searchsorted(a, q, "left")``; one linear merge when ``a`` and ``q`` both ascend.

    >>> search_sorted(np.array([1, 3, 3, 7]), np.array([0, 3, 4, 9])).tolist()
    [0, 1, 3, 4]
    """
    if _ascending(a) and _ascending(q):
        out: npt.NDArray[np.int64] = _merge_search(a, q)
        return out
    return np.asarray(np.searchsorted(a, q, "left"), dtype=np.int64)
