"""Past-only payer/payee/pair aggregates of a payment frame, then a LightGBM fraud model.

A library helper for data-set studies. ``riskline train fraud FILE --payer ... --payee ...``
no longer comes here: it goes through :mod:`riskline.lab.fraud` (the engine's catalog, the
event's context and delayed-label entity risk, so the model can be served).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskline.datasets.velocity import past_aggregates, past_degree
from riskline.scoring.errors import MissingColumn
from riskline.scoring.train import TrainResult, train_from_frame

__all__ = ["WINDOWS_S", "fraud_features", "train_fraud"]

WINDOWS_S = (3600, 86_400, 7 * 86_400)
"""Velocity windows in seconds: one hour, one day, one week."""


def _epoch_seconds(df: pl.DataFrame, time: str) -> pl.DataFrame:
    dtype = df.schema[time]
    if dtype == pl.String:
        t = pl.col(time).str.to_datetime(time_zone="UTC").dt.epoch("s")
    elif dtype.is_temporal():
        t = pl.col(time).dt.epoch("s")
    else:
        t = pl.col(time).cast(pl.Int64)
    return df.with_columns(t.alias("__t")).sort("__t", maintain_order=True)


def fraud_features(
    df: pl.DataFrame, *, payer: str, payee: str, amount: str, time: str
) -> tuple[pl.DataFrame, list[str]]:
    """Per-payer, per-payee and per-pair past-only aggregates; the frame and feature names.

    ``time`` may be a datetime, an ISO string or integer seconds; rows are sorted by it.
    """
    missing = [c for c in (payer, payee, amount, time) if c not in df.columns]
    if missing:
        raise MissingColumn(f"missing column(s) {missing}; have {df.columns}")
    base = _epoch_seconds(df, time).with_columns(pl.col(amount).cast(pl.Float64))
    keys = {"payer": [payer], "payee": [payee], "pair": [payer, payee]}
    out = past_aggregates(base, time_col="__t", amount_col=amount, keys=keys, windows=WINDOWS_S)
    out = past_degree(out, time_col="__t", node=[payer], other=[payee], name="payer_degree")
    out = past_degree(out, time_col="__t", node=[payee], other=[payer], name="payee_degree")
    made = [c for c in out.columns if c not in base.columns]
    return out, [amount, *made]


def train_fraud(
    df: pl.DataFrame,
    *,
    payer: str,
    payee: str,
    amount: str,
    time: str,
    label: str,
    extra_features: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> TrainResult:
    """Build past-only features and train a calibrated LightGBM on a 60/20/20 time split."""
    feats, names = fraud_features(df, payer=payer, payee=payee, amount=amount, time=time)
    return train_from_frame(
        feats, label, "__t", [*names, *extra_features], kind="gbdt", categorical=categorical
    )
