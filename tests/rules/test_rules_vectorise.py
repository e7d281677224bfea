"""The polars translation agrees with the closure compiler on generated rules and data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskline.rules import FeatureSchema, Rule, RuleSet, compile_expression, hit_matrix
from riskline.rules.parser import parse
from riskline.rules.types import Type
from riskline.rules.vectorise import to_polars

SCHEMA: FeatureSchema = {
    "a.n": "number",
    "a.m": "number",
    "a.b": "bool",
    "a.s": "string",
    "a.t": "time",
}
NOW = datetime(2026, 6, 1, tzinfo=UTC)

NUMS = ["a.n", "a.m", "0", "3", "2.5", "hour_of(a.t)", "hour_of(a.t, 8)", "days_since(a.t)"]


LEAF_CONDITIONS = [
    "a.b",
    "a.s in ['x', 'Y']",
    "lower(a.s) not in ['y']",
    "a.t > now() - 3d",
    "a.s == 'x'",
]


def _grow_numbers(sub: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(sub, sub)
    return st.one_of(
        st.tuples(sub, st.sampled_from("+-*/"), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        pair.map(lambda t: f"min({t[0]}, {t[1]})"),
        pair.map(lambda t: f"max({t[0]}, {t[1]})"),
        pair.map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        sub.map(lambda s: f"abs(-{s})"),
        sub.map(lambda s: f"days({s} * 1h)"),
    )


NUMBERS = st.recursive(st.sampled_from(NUMS), _grow_numbers, max_leaves=6)
LEAVES = st.one_of(
    st.tuples(NUMBERS, st.sampled_from(["<", "<=", "==", "!=", ">", ">="]), NUMBERS).map(" ".join),
    st.tuples(NUMBERS, NUMBERS, NUMBERS).map(lambda t: f"{t[0]} between {t[1]} and {t[2]}"),
    st.tuples(NUMBERS, NUMBERS).map(lambda t: f"{t[0]} not between 0 and {t[1]}"),
    NUMBERS.map(lambda s: f"is_missing({s})"),
    NUMBERS.map(lambda s: f"is_round({s}, 5)"),
    NUMBERS.map(lambda s: f"{s} in [0, 3, a.m]"),
    st.sampled_from(LEAF_CONDITIONS),
)
CONDITIONS = st.recursive(
    LEAVES,
    lambda sub: st.one_of(
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(lambda t: f"({' '.join(t)})"),
        sub.map(lambda s: f"not ({s})"),
    ),
    max_leaves=4,
)


small = st.one_of(st.none(), st.integers(-20, 20).map(float), st.floats(-1e4, 1e4), st.just(np.nan))
frames = st.integers(1, 12).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "a.n": st.lists(small, min_size=n, max_size=n),
            "a.m": st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=n, max_size=n),
            "a.b": st.lists(st.sampled_from([None, 0.0, 1.0, 2.0, np.nan]), min_size=n, max_size=n),
            "a.s": st.lists(st.sampled_from([None, "x", "y", "Y"]), min_size=n, max_size=n),
            "a.t": st.lists(
                st.one_of(
                    st.none(), st.integers(0, 10**7).map(lambda s: NOW - timedelta(seconds=s))
                ),
                min_size=n,
                max_size=n,
            ),
        }
    )
)


def as_frame(columns: dict[str, list[object]]) -> pl.DataFrame:
    return pl.DataFrame(
        columns,
        schema={
            "a.n": pl.Float64,
            "a.m": pl.Int64,
            "a.b": pl.Float64,
            "a.s": pl.String,
            "a.t": pl.Datetime("us", "UTC"),
        },
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CONDITIONS, min_size=1, max_size=3), frames)
def test_vectorised_hits_equal_row_hits(
    sources: list[str], columns: dict[str, list[object]]
) -> None:
    rules = tuple(
        Rule(f"r{i}", compile_expression(s, SCHEMA, f"r{i}", Type.BOOL), "R", "t", "o")
        for i, s in enumerate(sources)
    )
    ruleset = RuleSet("v", rules)
    frame = as_frame(columns)
    fast, vectorised = hit_matrix(ruleset, frame, now=NOW)
    slow, _ = hit_matrix(ruleset, frame, now=NOW, vectorise=False)
    assert vectorised == len(rules)
    for rid in fast:
        assert fast[rid].tolist() == slow[rid].tolist(), ruleset[rid].when.source


def test_missing_column_and_wrong_dtype_read_as_missing() -> None:
    frame = pl.DataFrame({"a.s": [1, 2]})
    expr = to_polars(
        parse("is_missing(a.s) and is_missing(a.n)", "r"), SCHEMA, frame.schema, pl.lit(0.0)
    )
    assert frame.with_columns(expr.alias("x"))["x"].to_list() == [True, True]


def test_in_list_is_not_vectorised() -> None:
    rules = (
        Rule(
            "r",
            compile_expression("in_list('block', 'k', a.s)", SCHEMA, "r", Type.BOOL),
            "R",
            "t",
            "o",
        ),
    )
    _, vectorised = hit_matrix(RuleSet("v", rules), as_frame({k: [None] for k in SCHEMA}), now=NOW)
    assert vectorised == 0


def test_boolean_dtype_column_is_read_as_is() -> None:
    frame = pl.DataFrame({"a.b": [True, None, False]})
    expr = to_polars(parse("a.b", "r"), SCHEMA, frame.schema, pl.lit(0.0))
    assert frame.select(expr.alias("x"))["x"].to_list() == [True, None, False]
