"""Load-time type checking against the feature schema."""

from __future__ import annotations

import pytest

from riskline.rules import FeatureSchema, RuleError, Type, compile_expression

SCHEMA: FeatureSchema = {
    "device.accounts_30d": "number",
    "account.age_days": "number",
    "account.verified": "bool",
    "event.device_id": "string",
    "event.occurred_at": "time",
    "payment.amount": "number",
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("device.accounts_30d + 1", Type.NUMBER),
        ("event.occurred_at - 30d", Type.TIME),
        ("now() - event.occurred_at", Type.DURATION),
        ("(now() - event.occurred_at) / 1d", Type.NUMBER),
        ("2 * 1h", Type.DURATION),
        ("account.verified and payment.amount > 1", Type.BOOL),
        ("coalesce(event.device_id, 'none')", Type.STRING),
        ("hour_of(event.occurred_at, 8)", Type.NUMBER),
        ("min(1d, 2h)", Type.DURATION),
    ],
)
def test_types_are_inferred(source: str, expected: Type) -> None:
    assert compile_expression(source, SCHEMA).type is expected


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("device.acounts_30d > 1", 1, "unknown feature 'device.acounts_30d'; did you mean"),
        ("payment.amount > 'big'", 16, "cannot compare number with string"),
        ("event.device_id < 'x'", 17, "'<' needs numbers, times or durations, not string"),
        ("payment.amount and account.verified", 1, "'and' needs a condition (bool), got number"),
        ("not payment.amount", 5, "'not' needs a condition (bool), got number"),
        ("payment.amount + account.verified", 16, "operator '+' does not apply to number + bool"),
        ("event.occurred_at + event.occurred_at > 1", 19, "does not apply to time + time"),
        ("-event.device_id == 'x'", 1, "operator '-' does not apply to -string"),
        ("payment.amount > 1d", 16, "cannot compare number with duration"),
        ("abs(1, 2) > 0", 1, "abs() takes 1 argument(s), got 2"),
        ("hour_of() > 0", 1, "hour_of() takes 1 to 2 arguments, got 0"),
        ("min() > 0", 1, "min() takes at least 1 argument(s), got 0"),
        ("hour_of(payment.amount) > 1", 9, "argument 1 is number, expected time"),
        ('in_list("blocked", "device", event.device_id)', 9, "unknown list 'blocked'"),
        ('in_list("block", 1, event.device_id)', 18, "argument 2 is number, expected string"),
        ("payment.amount in [1, 'a']", 23, "list item 2 is string"),
        ("payment.amount between 1 and 'z'", 30, "argument 3 is string"),
        ("coalesce(payment.amount, 'x') > 1", 26, "argument 2 is string, expected number"),
        ("frobnicate(1) > 0", 1, "unknown function 'frobnicate'"),
        ("mx(1) > 0", 1, "did you mean 'max'?"),
    ],
)
def test_type_errors_point_at_the_culprit(source: str, column: int, fragment: str) -> None:
    with pytest.raises(RuleError) as info:
        compile_expression(source, SCHEMA, rule_id="r1")
    assert fragment in info.value.reason
    assert (info.value.line, info.value.column) == (1, column)


def test_expected_type_is_enforced() -> None:
    with pytest.raises(RuleError, match="expression must be a bool, got number"):
        compile_expression("payment.amount * 2", SCHEMA, expect=Type.BOOL)


def test_schema_with_unsupported_declared_type() -> None:
    with pytest.raises(RuleError, match="unsupported type 'duration'"):
        compile_expression("x.y > 1", {"x.y": "duration"})  # type: ignore[dict-item]


def test_features_read_are_listed_once_in_order() -> None:
    e = compile_expression(
        "payment.amount > 1 and (device.accounts_30d > payment.amount or account.verified)",
        SCHEMA,
    )
    assert e.features == ("payment.amount", "device.accounts_30d", "account.verified")
