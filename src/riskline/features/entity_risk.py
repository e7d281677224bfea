"""Delayed-label entity risk of payments, in batch: the definition the online state must match.

For a payment at time ``t`` (epoch seconds) touching entity ``e`` of a kind (``payee`` =
``Payment.merchant_id``, ``payer`` = ``Payment.account_id``, ``device`` = ``Payment.device_id``
when present), a label delay ``D`` days and a window ``W`` days:

- ``risk.<kind>.n_<W>d``: payments of ``e`` with ``occurred_at`` in ``[t - (D + W) * 86400,
  t - D * 86400)`` (lower bound in, upper bound out; the payment itself is never counted);
- ``risk.<kind>.fraud_<W>d``: those of them whose label is fraud and known at or before ``t``
  (``known_ts <= t``); payments without a label count in ``n`` only;
- ``risk.<kind>.rate_<W>d``: ``fraud / n``, ``0.0`` when ``n == 0``.

All values are Float64 (like every feature of the engine). A payment without a device has
null ``risk.device.*`` values and counts for no device. Bounds are computed exactly as written
above, in float64, so the online side gives the same answer at the edges.

A label's known time is the user's label-time column when there is one, else ``occurred_at +
D`` (so in a plain labeled history, every payment before ``t - D`` has its label known at
``t``): see :func:`default_known_ts`.

>>> day = 86400.0
>>> pays = [("a", 0.0, "p1", "shop", None), ("b", 8 * day, "p2", "shop", None)]
>>> out = entity_risk_batch(pays, {"a": (True, 7 * day)}, windows_days=(7,))
>>> out.row(1, named=True)["risk.payee.n_7d"], out.row(1, named=True)["risk.payee.rate_7d"]
(1.0, 1.0)
>>> out.row(1, named=True)["risk.payer.n_7d"], out.row(0, named=True)["risk.device.n_7d"]
(0.0, None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from riskline.errors import InvalidInput

__all__ = [
    "DEFAULT_DELAY_DAYS",
    "ENTITY_KINDS",
    "ENTITY_RISK_FEATURES",
    "WINDOWS_DAYS",
    "default_known_ts",
    "entity_risk_batch",
    "entity_risk_names",
]

ENTITY_KINDS = ("payee", "payer", "device")
"""Entity kinds, in column order: ``merchant_id``, ``account_id``, ``device_id``."""

WINDOWS_DAYS: tuple[float, ...] = (1, 7, 30)
"""Default windows, in days."""

DEFAULT_DELAY_DAYS = 7.0
"""Default label delay ``D``, in days."""

DAY_S = 86400.0

_FIELD = {"payer": 2, "payee": 3, "device": 4}
"""Position of each kind's entity in a :data:`Payment` tuple."""

Payment = tuple[str, float, str, str, str | None]
"""``(event_id, ts_epoch_s, payer, payee, device or None)``."""


def _days(w: float) -> str:
    return f"{w:g}"


def entity_risk_names(windows_days: Sequence[float] = WINDOWS_DAYS) -> tuple[str, ...]:
    """Feature names in column order: by kind, then window, then ``n``, ``fraud``, ``rate``.

    >>> entity_risk_names((1,))
    ... # doctest: +NORMALIZE_WHITESPACE
    ('risk.payee.n_1d', 'risk.payee.fraud_1d', 'risk.payee.rate_1d',
     'risk.payer.n_1d', 'risk.payer.fraud_1d', 'risk.payer.rate_1d',
     'risk.device.n_1d', 'risk.device.fraud_1d', 'risk.device.rate_1d')
    """
    return tuple(
        f"risk.{kind}.{stat}_{_days(w)}d"
        for kind in ENTITY_KINDS
        for w in windows_days
        for stat in ("n", "fraud", "rate")
    )


ENTITY_RISK_FEATURES: tuple[str, ...] = entity_risk_names()
"""The 27 default names: ``risk.{payee,payer,device}.{n,fraud,rate}_{1,7,30}d``."""


def default_known_ts(ts: float, delay_days: float = DEFAULT_DELAY_DAYS) -> float:
    """When a label is known without a label-time column: ``occurred_at + D``.

    >>> default_known_ts(100.0, 1)
    86500.0
    """
    return ts + delay_days * DAY_S


def _check(delay_days: float, windows_days: Sequence[float]) -> None:
    if not np.isfinite(delay_days) or delay_days < 0:
        raise InvalidInput(f"label delay must be a number of days >= 0, got {delay_days!r}")
    if not windows_days or any(not np.isfinite(w) or w <= 0 for w in windows_days):
        raise InvalidInput(f"windows must be positive numbers of days, got {windows_days!r}")
    if len({_days(w) for w in windows_days}) != len(windows_days):
        raise InvalidInput(f"windows must be distinct, got {windows_days!r}")


def entity_risk_batch(
    payments: Sequence[Payment],
    labels: Mapping[str, tuple[bool, float]],
    *,
    delay_days: float = DEFAULT_DELAY_DAYS,
    windows_days: Sequence[float] = WINDOWS_DAYS,
) -> pl.DataFrame:
    """``event_id`` and :func:`entity_risk_names` columns, one row per payment, input order.

    ``labels`` maps an event id to ``(is_fraud, known_ts)``; ids of no payment are ignored.
    The order of ``payments`` does not matter to the values (only times do).
    """
    _check(delay_days, windows_days)
    ids = [p[0] for p in payments]
    ts = np.fromiter((float(p[1]) for p in payments), dtype=np.float64, count=len(payments))
    if not np.all(np.isfinite(ts)):
        raise InvalidInput("payment times must be finite epoch seconds")
    fraud = np.zeros(len(payments), dtype=np.bool_)
    known = np.full(len(payments), np.inf)
    for i, event_id in enumerate(ids):
        label = labels.get(event_id)
        if label is not None and label[0]:
            fraud[i] = True
            known[i] = float(label[1])
    upper = ts - delay_days * DAY_S
    columns: dict[str, Any] = {"event_id": pl.Series("event_id", ids, dtype=pl.Utf8)}
    for kind in ENTITY_KINDS:
        at = _FIELD[kind]
        code = _codes([cast("str | None", p[at]) for p in payments])
        for w in windows_days:
            lower = ts - (delay_days + w) * DAY_S
            n, f, present = _window_counts(code, ts, fraud, known, lower, upper)
            rate = np.divide(f, n, out=np.zeros_like(f), where=n > 0)
            for stat, values in (("n", n), ("fraud", f), ("rate", rate)):
                name = f"risk.{kind}.{stat}_{_days(w)}d"
                col = pl.Series(name, values, dtype=pl.Float64)
                if not present.all():
                    col = col.scatter(np.flatnonzero(~present), None)
                columns[name] = col
    return pl.DataFrame(columns)


def _codes(keys: Sequence[str | None]) -> npt.NDArray[np.int64]:
    """Integer code per key (``-1`` for ``None``)."""
    table: dict[str, int] = {}
    return np.fromiter(
        (-1 if k is None else table.setdefault(k, len(table)) for k in keys),
        dtype=np.int64,
        count=len(keys),
    )


def _window_counts(
    code: npt.NDArray[np.int64],
    ts: npt.NDArray[np.float64],
    fraud: npt.NDArray[np.bool_],
    known: npt.NDArray[np.float64],
    lower: npt.NDArray[np.float64],
    upper: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Per payment: payments of its entity (``code``, ``-1`` = none) in ``[lower, upper)``, and
    how many of them are frauds known at the payment's time; whether it has an entity."""
    present = code >= 0
    n = np.zeros(len(code))
    f = np.zeros(len(code))
    if not present.any():
        return n, f, present
    # Exact ranks of every time and bound (no float rounding in the combined key below).
    points, inverse = np.unique(np.concatenate([ts, lower, upper]), return_inverse=True)
    span = np.int64(points.size + 1)
    rank_t, rank_lo, rank_hi = np.split(inverse.astype(np.int64), 3)
    q = np.flatnonzero(present)
    lo_key, hi_key = code[q] * span + rank_lo[q], code[q] * span + rank_hi[q]

    def in_window(member: npt.NDArray[np.bool_]) -> tuple[Any, Any, Any]:
        rows = np.flatnonzero(member & present)
        order = np.argsort(code[rows] * span + rank_t[rows], kind="stable")
        rows = rows[order]
        key = code[rows] * span + rank_t[rows]
        return rows, np.searchsorted(key, lo_key, "left"), np.searchsorted(key, hi_key, "left")

    _, a, b = in_window(np.ones(len(code), dtype=np.bool_))
    n[q] = b - a
    rows, a, b = in_window(fraud)
    f[q] = _known_by(known[rows], a, b, ts[q])
    return n, f, present


def _known_by(
    known: npt.NDArray[np.float64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    t: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """For each query ``i``: how many of ``known[a[i]:b[i]]`` are ``<= t[i]`` (compiled)."""
    global _KNOWN_BY
    if _KNOWN_BY is None:
        from numba import njit

        _KNOWN_BY = njit(cache=True, nogil=True)(_known_by_loop)
    out: npt.NDArray[np.float64] = _KNOWN_BY(known, a, b, t)
    return out


def _known_by_loop(known: Any, a: Any, b: Any, t: Any) -> Any:  # pragma: no cover - compiled
    out = np.zeros(len(t))
    for i in range(len(t)):
        c = 0
        for j in range(a[i], b[i]):
            if known[j] <= t[i]:
                c += 1
        out[i] = c
    return out


_KNOWN_BY: Any = None
