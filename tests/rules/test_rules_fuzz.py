"""Fuzzing: any input compiles or raises RuleError; compiled rules evaluate without crashing."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskline.rules import (
    CompiledExpression,
    FeatureSchema,
    ListEntry,
    MemoryListStore,
    RuleError,
    compile_expression,
)

SCHEMA: FeatureSchema = {
    "a.n": "number",
    "a.m": "number",
    "a.b": "bool",
    "a.s": "string",
    "a.t": "time",
}
TOKENS = [
    "a.n",
    "a.m",
    "a.b",
    "a.s",
    "a.t",
    "x.unknown",
    "and",
    "or",
    "not",
    "in",
    "between",
    "true",
    "false",
    "(",
    ")",
    "[",
    "]",
    ",",
    "+",
    "-",
    "*",
    "/",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "0",
    "1",
    "2.5",
    "1e3",
    "30d",
    "1h",
    "'s'",
    '"block"',
    "'device'",
    "abs",
    "min",
    "max",
    "coalesce",
    "is_missing",
    "in_list",
    "hour_of",
    "is_round",
    "days_since",
    "now",
    "days",
    "lower",
    "=",
    "&",
    "'",
    "9x",
    "1.2.3",
    "\n",
    "é",
]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LISTS = MemoryListStore()
LISTS.add(ListEntry("block", "device", "s", "test", T0))

values_strategy = st.fixed_dictionaries(
    {},
    optional={
        "a.n": st.one_of(st.floats(allow_nan=True), st.integers(-(10**400), 10**400)),
        "a.m": st.one_of(st.floats(allow_nan=True), st.none(), st.text(max_size=3)),
        "a.b": st.one_of(st.booleans(), st.none(), st.integers()),
        "a.s": st.one_of(st.text(max_size=5), st.none(), st.floats()),
        "a.t": st.one_of(
            st.datetimes(timezones=st.just(UTC)), st.floats(allow_nan=True), st.none()
        ),
    },
)


def compile_or_error(source: str) -> CompiledExpression | None:
    """The compiled expression, or None after checking the RuleError is well formed."""
    try:
        return compile_expression(source, SCHEMA, rule_id="fuzz")
    except RuleError as err:
        error = err
    assert error.line >= 1
    assert error.column >= 1
    assert "^" in str(error)
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_compiles_or_raises_rule_error(source: str) -> None:
    compile_or_error(source)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=25), values_strategy)
def test_token_soup_never_crashes_at_load_or_run_time(
    tokens: list[str], values: dict[str, object]
) -> None:
    compiled = compile_or_error(" ".join(tokens))
    if compiled is not None:
        result = compiled(values, LISTS, T0)
        assert result is None or isinstance(result, bool | int | float | str)


NUMBERS = st.recursive(
    st.sampled_from(
        ["a.n", "a.m", "0", "3", "-2.5", "hour_of(a.t)", "days_since(a.t)", "abs(a.n)"]
    ),
    lambda num: st.one_of(
        st.tuples(num, st.sampled_from("+-*/"), num).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(num, num).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.tuples(num, num).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
    ),
    max_leaves=6,
)
CONDITIONS = st.recursive(
    st.one_of(
        st.tuples(NUMBERS, st.sampled_from(["<", "<=", "==", "!=", ">", ">="]), NUMBERS).map(
            " ".join
        ),
        st.tuples(NUMBERS, NUMBERS, NUMBERS).map(lambda t: f"{t[0]} between {t[1]} and {t[2]}"),
        NUMBERS.map(lambda s: f"is_missing({s})"),
        st.sampled_from(
            ["a.b", "in_list('block', 'device', a.s)", "is_round(a.n, 100)", "a.s in ['s', 'x']"]
        ),
    ),
    lambda sub: st.one_of(
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(lambda t: f"({' '.join(t)})"),
        sub.map(lambda s: f"not ({s})"),
    ),
    max_leaves=5,
)
"""Well-formed boolean expressions, so evaluation paths get exercised."""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONDITIONS, values_strategy)
def test_well_formed_expressions_compile_and_evaluate_to_bool_or_missing(
    source: str, values: dict[str, object]
) -> None:
    compiled = compile_expression(source, SCHEMA)
    result = compiled(values, LISTS, T0)
    assert result is None or isinstance(result, bool)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False))
def test_division_never_raises(x: float, y: float) -> None:
    result = compile_expression("a.n / a.m", SCHEMA)({"a.n": x, "a.m": y})
    if y == 0:
        assert result is None
    else:
        assert isinstance(result, float)
        assert math.isnan(result) or result == x / y
