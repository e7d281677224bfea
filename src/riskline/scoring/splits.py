"""Time-based splits: earlier rows train, later rows calibrate and test; ties stay together."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["time_split"]


def time_split(times: ArrayLike, fractions: Sequence[float]) -> tuple[NDArray[np.intp], ...]:
    """Row indices of consecutive time slices holding about ``fractions`` of the rows each.

    Rows sharing a timestamp always land in the same slice (the cut moves forward).

    >>> a, b = time_split([5, 1, 2, 2, 3], [0.4, 0.6])
    >>> a.tolist(), b.tolist()
    ([1, 2, 3], [4, 0])
    """
    t = np.asarray(times)
    order = np.argsort(t, kind="stable")
    ts = t[order]
    bounds = np.cumsum(np.asarray(fractions, dtype=np.float64)) / float(np.sum(fractions))
    cuts = [0]
    for frac in bounds[:-1]:
        i = round(float(frac) * t.size)
        i = int(np.searchsorted(ts, ts[i - 1], side="right")) if 0 < i < t.size else i
        cuts.append(max(i, cuts[-1]))
    cuts.append(t.size)
    return tuple(order[a:b].astype(np.intp) for a, b in itertools.pairwise(cuts))
