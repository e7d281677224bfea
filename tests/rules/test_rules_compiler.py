"""Evaluation semantics of compiled expressions, including missing values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from riskline.rules import FeatureSchema, ListEntry, MemoryListStore, compile_expression

SCHEMA: FeatureSchema = {
    "a.x": "number",
    "a.y": "number",
    "a.flag": "bool",
    "a.s": "string",
    "a.t": "time",
}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ev(source: str, **values: object) -> object:
    """Evaluate with keyword values named a_x -> a.x."""
    named = {k.replace("_", ".", 1): v for k, v in values.items()}
    return compile_expression(source, SCHEMA)(named, now=T0)


def test_brief_examples() -> None:
    schema: FeatureSchema = {
        "device.accounts_30d": "number",
        "account.age_days": "number",
        "event.device_id": "string",
        "graph.flagged_within_2": "number",
        "payment.amount": "number",
        "account.available_limit": "number",
        "event.occurred_at": "time",
    }
    lists = MemoryListStore()
    lists.add(ListEntry("block", "device", "d-bad", source="case:1", added_at=T0))
    e1 = compile_expression("device.accounts_30d >= 4 and account.age_days < 7", schema)
    e2 = compile_expression(
        'in_list("block", "device", event.device_id) or graph.flagged_within_2 > 0', schema
    )
    e3 = compile_expression(
        "payment.amount >= 0.9 * account.available_limit"
        " and not (hour_of(event.occurred_at) between 7 and 22)",
        schema,
    )
    assert e1({"device.accounts_30d": 4, "account.age_days": 6.5}) is True
    assert e1({"device.accounts_30d": 3, "account.age_days": 1}) is False
    assert e2({"event.device_id": "d-bad", "graph.flagged_within_2": 0}, lists, T0) is True
    assert e2({"event.device_id": "d-ok", "graph.flagged_within_2": 0}, lists, T0) is False
    night = {"payment.amount": 950, "account.available_limit": 1000}
    assert e3({**night, "event.occurred_at": T0.replace(hour=3)}) is True
    assert e3({**night, "event.occurred_at": T0.replace(hour=22)}) is False
    assert e3({**night, "event.occurred_at": T0.replace(hour=23)}) is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a.x / 0 > 1", None),
        ("is_missing(a.x / 0)", True),
        ("a.x - 2 * 3 == 4", True),
        ("(a.x - 2) * 3 == 24", True),
        ("-a.x < 0", True),
        ("a.x in [1, 10]", True),
        ("a.x not in [1, 10]", False),
        ("a.x in []", False),
        ("a.x in [a.y, 10]", True),
        ("a.x between 10 and 10", True),
        ("a.x not between 0 and 9", True),
        ("abs(0 - a.x) == 10", True),
        ("min(a.x, 3) == 3 and max(a.x, 3) == 10", True),
        ("is_round(a.x, 5)", True),
        ("is_round(a.x, 3)", False),
        ("is_round(a.x, 0)", None),
        ("days(36h) == 1.5", True),
        ("1h + 30m == 90m", True),
        ("lower('AbC') == 'abc'", True),
    ],
)
def test_operator_semantics(source: str, expected: object) -> None:
    assert ev(source, a_x=10) is expected


@pytest.mark.parametrize(
    ("source", "x", "expected"),
    [
        ("a.x > 1", None, None),
        ("a.x > 1", float("nan"), None),
        ("a.x > 1", "5", None),
        ("a.x > 1", Decimal("2.5"), True),
        ("a.x > 1", np.int64(3), True),
        ("a.x > 1", np.float32("nan"), None),
        ("a.x > 1", True, False),
        ("not (a.x > 1)", None, None),
        ("a.x > 1 and false", None, False),
        ("a.x > 1 and true", None, None),
        ("a.x > 1 or true", None, True),
        ("a.x > 1 or false", None, None),
        ("a.x in [1, 2]", None, None),
        ("coalesce(a.x, 7) == 7", None, True),
        ("coalesce(a.x, 7) == 7", 3, False),
        ("is_missing(a.x)", None, True),
        ("is_missing(a.x + 1)", float("nan"), True),
        ("min(a.x, 1) < 5", None, None),
    ],
)
def test_missing_values_propagate_with_three_valued_logic(
    source: str, x: object, expected: object
) -> None:
    values = {} if x is None else {"a.x": x}
    assert compile_expression(source, SCHEMA)(values) is expected


def test_wrong_runtime_types_read_as_missing() -> None:
    e = compile_expression("a.flag and a.s == 'x'", SCHEMA)
    assert e({"a.flag": 2, "a.s": "x"}) is None
    assert e({"a.flag": "yes", "a.s": "x"}) is None
    assert e({"a.flag": True, "a.s": 5}) is None
    assert e({"a.flag": True, "a.s": "x"}) is True


def test_and_or_short_circuit_skips_the_right_side() -> None:
    calls: list[str] = []

    class Spy(dict[str, object]):
        def get(self, key: str, default: object = None) -> object:
            calls.append(key)
            return super().get(key, default)

    compile_expression("a.x > 1 and a.y > 1", SCHEMA)(Spy({"a.x": 0}))
    compile_expression("a.x > 1 or a.y > 1", SCHEMA)(Spy({"a.x": 5}))
    assert calls == ["a.x", "a.x"]


def test_time_arithmetic_uses_now_and_accepts_epoch_and_naive() -> None:
    e = compile_expression("now() - a.t < 7d and days_since(a.t) > 2", SCHEMA)
    assert e({"a.t": T0 - timedelta(days=3)}, now=T0) is True
    assert e({"a.t": T0 - timedelta(days=8)}, now=T0) is False
    assert e({"a.t": (T0 - timedelta(days=3)).timestamp()}, now=T0) is True
    naive = (T0 - timedelta(days=3)).replace(tzinfo=None)
    assert e({"a.t": naive}, now=T0) is True


def test_hour_of_with_offset_wraps_the_day() -> None:
    e = compile_expression("hour_of(a.t, 8)", SCHEMA)
    assert e({"a.t": datetime(2026, 1, 1, 17, 59, tzinfo=UTC)}) == 1
    assert compile_expression("hour_of(a.t, -5)", SCHEMA)({"a.t": 3600.0 * 2}) == 21
    assert e({"a.t": float("inf")}) is None


def test_in_list_respects_ttl_and_numeric_ids() -> None:
    lists = MemoryListStore()
    lists.add(ListEntry("watch", "account", "42", "bureau", T0, expires_at=T0 + timedelta(hours=1)))
    e = compile_expression("in_list('watch', 'account', a.x)", SCHEMA)
    assert e({"a.x": 42}, lists, T0 + timedelta(minutes=59)) is True
    assert e({"a.x": 42}, lists, T0 + timedelta(hours=1)) is False
    assert e({"a.x": 43}, lists, T0) is False
    assert e({}, lists, T0) is None


@pytest.mark.parametrize(
    ("flag", "expected"), [(1.0, True), (0.0, False), (1, True), (float("nan"), None)]
)
def test_bool_features_accept_the_feature_engines_0_1_floats(flag: float, expected: object) -> None:
    assert compile_expression("a.flag", SCHEMA)({"a.flag": flag}) is expected


def test_naive_now_is_taken_as_utc() -> None:
    e = compile_expression("hour_of(now())", SCHEMA)
    assert e({}, now=datetime(2026, 1, 1, 5)) == 5
