"""Past-only aggregates agree with a brute-force loop, ties included; nothing leaks."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.datasets import past_aggregates, past_degree
from riskline.errors import InvalidInput

rows = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from("abc"),
        st.sampled_from("xyz"),
        st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)),
    ),
    min_size=1,
    max_size=40,
)


def _frame(data: list[tuple[int, str, str, float]]) -> pl.DataFrame:
    df = pl.DataFrame(data, schema=["t", "p", "q", "amt"], orient="row")
    return df.sort("t", maintain_order=True)


@settings(max_examples=25, deadline=None)
@given(rows)
def test_aggregates_match_brute_force(data: list[tuple[int, str, str, float]]) -> None:
    df = _frame(data)
    out = past_aggregates(
        df, time_col="t", amount_col="amt", keys={"p": ["p"], "pq": ["p", "q"]}, windows=[2]
    )
    deg = past_degree(df, time_col="t", node=["p"], other=["q"], name="deg")
    recs = df.rows(named=True)
    for i, r in enumerate(recs):
        earlier = [o for o in recs if o["t"] < r["t"] and o["p"] == r["p"]]
        amts = [o["amt"] for o in earlier]
        assert out["p_cnt"][i] == len(earlier)
        assert math.isclose(out["p_sum"][i], sum(amts), abs_tol=1e-6)
        assert out["p_max"][i] == (max(amts) if amts else None)
        if len(amts) > 1:
            assert math.isclose(out["p_std"][i], float(np.std(amts, ddof=1)), abs_tol=1e-6)
        assert out["p_gap"][i] == (r["t"] - max(o["t"] for o in earlier) if earlier else None)
        assert out["p_c2"][i] == sum(1 for o in earlier if o["t"] >= r["t"] - 2)
        pair = [o for o in earlier if o["q"] == r["q"]]
        assert out["pq_cnt"][i] == len(pair)
        assert deg["deg"][i] == len({o["q"] for o in earlier})


def test_future_and_same_instant_rows_do_not_change_a_row() -> None:
    base = pl.DataFrame({"t": [1, 2, 3], "p": ["a"] * 3, "amt": [10.0, 20.0, 30.0]})
    more = pl.DataFrame({"t": [3, 9], "p": ["a", "a"], "amt": [1e6, 1e6]})
    both = pl.concat([base, more]).sort("t", maintain_order=True)
    kw = {"time_col": "t", "amount_col": "amt", "keys": {"p": ["p"]}}
    alone = past_aggregates(base, **kw)  # type: ignore[arg-type]
    mixed = past_aggregates(both, **kw)  # type: ignore[arg-type]
    assert mixed["p_sum"][:3].to_list() == alone["p_sum"].to_list() == [0.0, 10.0, 30.0]


def test_name_clash_with_an_existing_column_is_refused() -> None:
    df = pl.DataFrame({"t": [1], "p": ["a"], "amt": [1.0], "p_gap": [5.0]})
    with pytest.raises(InvalidInput, match="p_gap"):
        past_aggregates(df, time_col="t", amount_col="amt", keys={"p": ["p"]})
