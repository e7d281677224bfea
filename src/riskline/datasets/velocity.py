"""Past-only velocity and degree aggregates over a transaction frame (polars).

Every aggregate for a row uses only rows with a strictly earlier time: rows that
share a timestamp never see each other, so ties cannot leak a label or an amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from riskline.errors import InvalidInput

__all__ = ["past_aggregates", "past_degree"]


def _rolling(expr: pl.Expr, time_col: str, period: int, key: list[str]) -> pl.Expr:
    return expr.rolling(index_column=time_col, period=f"{period}i", closed="left").over(key)


def past_aggregates(
    df: pl.DataFrame,
    *,
    time_col: str,
    amount_col: str,
    keys: Mapping[str, Sequence[str]],
    windows: Sequence[int] = (),
) -> pl.DataFrame:
    """Add per-key count/sum/mean/max/std of earlier amounts, recency and windowed counts.

    ``df`` must be sorted by an integer ``time_col``; output columns are ``{name}_*``.

    >>> f = pl.DataFrame({"t": [1, 1, 2, 5], "k": ["a"] * 4, "amt": [1.0, 2.0, 3.0, 4.0]})
    >>> out = past_aggregates(f, time_col="t", amount_col="amt", keys={"k": ["k"]}, windows=[2])
    >>> out["k_cnt"].to_list(), out["k_c2"].to_list(), out["k_gap"].to_list()
    ([0, 0, 2, 3], [0, 0, 2, 0], [None, None, 1, 3])
    """
    made = {f"{n}_{s}" for n in keys for s in ("cnt", "sum", "mean", "max", "std", "gap")}
    clash = sorted(made & set(df.columns))
    if clash:
        raise InvalidInput(f"aggregate names {clash} would overwrite existing columns")
    out = df
    for name, cols in keys.items():
        out = _history(out, time_col, amount_col, list(cols), name)
        windowed = [
            e
            for w in windows
            for e in (
                _rolling(pl.len(), time_col, w, list(cols)).cast(pl.Int64).alias(f"{name}_c{w}"),
                _rolling(pl.col(amount_col).sum(), time_col, w, list(cols)).alias(f"{name}_s{w}"),
            )
        ]
        out = out.with_columns(windowed)
    return out


def _history(
    df: pl.DataFrame, time_col: str, amount_col: str, key: list[str], name: str
) -> pl.DataFrame:
    """All-history aggregates in O(n): exclusive cumulative sums, then the tie group's first."""
    amt = pl.col(amount_col)
    # Variance from sums of amounts centred on the key's first amount (less cancellation).
    centred = amt - amt.first().over(key)
    excl = df.with_columns(
        (pl.int_range(pl.len()).over(key)).alias("__vel_n"),
        amt.shift(1, fill_value=0.0).cum_sum().over(key).alias("__vel_s"),
        centred.shift(1, fill_value=0.0).cum_sum().over(key).alias("__vel_c"),
        centred.pow(2).shift(1, fill_value=0.0).cum_sum().over(key).alias("__vel_q"),
        amt.shift(1).cum_max().over(key).alias("__vel_m"),
        pl.col(time_col).shift(1).over(key).alias("__vel_t"),
    )
    tie = [*key, time_col]
    excl = excl.with_columns(
        pl.col(c).first().over(tie)
        for c in ("__vel_n", "__vel_s", "__vel_c", "__vel_q", "__vel_m", "__vel_t")
    )
    cnt = pl.col("__vel_n").cast(pl.Int64)
    mean = pl.when(cnt > 0).then(pl.col("__vel_s") / cnt)
    var = (pl.col("__vel_q") - pl.col("__vel_c").pow(2) / cnt) / (cnt - 1)
    return excl.with_columns(
        cnt.alias(f"{name}_cnt"),
        pl.col("__vel_s").alias(f"{name}_sum"),
        mean.alias(f"{name}_mean"),
        pl.col("__vel_m").alias(f"{name}_max"),
        pl.when(cnt > 1).then(var.clip(lower_bound=0).sqrt()).alias(f"{name}_std"),
        (pl.col(time_col) - pl.col("__vel_t")).alias(f"{name}_gap"),
        (amt / (mean + 1e-9)).alias(f"{name}_amt_ratio"),
    ).drop("__vel_n", "__vel_s", "__vel_c", "__vel_q", "__vel_m", "__vel_t")


def past_degree(
    df: pl.DataFrame, *, time_col: str, node: Sequence[str], other: Sequence[str], name: str
) -> pl.DataFrame:
    """Add ``name``: distinct ``other`` values seen with ``node`` at strictly earlier times.

    >>> f = pl.DataFrame({"t": [1, 1, 2, 3, 4], "p": ["a"] * 5, "q": ["x", "y", "x", "z", "z"]})
    >>> past_degree(f, time_col="t", node=["p"], other=["q"], name="deg")["deg"].to_list()
    [0, 0, 2, 2, 3]
    """
    pair, key = [*node, *other], list(node)
    first = (pl.int_range(pl.len()).over(pair) == 0).cast(pl.Int64)
    excl = df.with_columns((first.cum_sum().over(key) - first).alias("__vel_d"))
    deg = pl.col("__vel_d").first().over([*key, time_col]).cast(pl.Int64).alias(name)
    return excl.with_columns(deg).drop("__vel_d")
