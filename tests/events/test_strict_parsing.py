"""Issue 22, defect 5: lax parsing that silently changed a value is a clear 422 now."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from riskline.errors import InvalidEvent
from riskline.events import parse_event
from riskline.events.pii import PiiHasher
from tests.factories import wire

HASHER = PiiHasher(b"strict-parsing-key-0123")


def _reject(event: dict[str, Any] | str, field: str) -> str:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(event, HASHER)
    message = caught.value.message
    assert field in message, message
    return message


@pytest.mark.parametrize(
    "amount",
    ["1_000", "\uff11\uff12", "\u0661\u0662", " 12.50 ", "12.50 ", "+12", "1e3", "12.", ".5", ""],
)
def test_an_amount_that_is_not_a_plain_ascii_decimal_is_refused(amount: str) -> None:
    message = _reject(wire("payment", amount=amount), "amount")
    assert "plain decimal" in message


@pytest.mark.parametrize("amount", ["12.50", "1000", "0.01", 12.5, 7])
def test_plain_amounts_still_parse(amount: object) -> None:
    event = parse_event(wire("payment", amount=amount), HASHER)
    assert getattr(event, "amount", None) == Decimal(str(amount))


def test_zero_and_negative_amounts_keep_their_own_message() -> None:
    assert "greater than zero" in _reject(wire("transfer", amount="0"), "amount")
    assert "must not be negative" in _reject(wire("payment", amount="-5.00"), "amount")


def test_other_decimals_are_strict_too() -> None:
    report = wire("bureau_report", overdue_amount="1_000")
    assert "plain decimal" in _reject(report, "overdue_amount")


@pytest.mark.parametrize("stamp", [1767225600, 1767225600.5])
def test_a_numeric_occurred_at_is_refused(stamp: float) -> None:
    assert "ISO 8601" in _reject(wire("payment", occurred_at=stamp), "occurred_at")


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"]
)
def test_an_event_outside_the_sane_range_is_refused(stamp: str) -> None:
    message = _reject(wire("payment", occurred_at=stamp), "occurred_at")
    assert "2000-01-01" in message and "2100-01-01" in message


def test_the_range_bounds_are_inclusive_below() -> None:
    event = parse_event(wire("payment", occurred_at="2000-01-01T00:00:00Z"), HASHER)
    assert event.occurred_at.year == 2000


def test_a_due_date_outside_the_range_is_refused() -> None:
    repayment = wire("repayment", due_date="0001-01-01")
    assert "2000-01-01" in _reject(repayment, "due_date")


def test_json_text_with_a_repeated_key_is_refused_not_last_wins() -> None:
    body = json.dumps(wire("payment", amount="12.50"))
    doubled = body[:-1] + ', "amount": "99999.00"}'
    assert "appears more than once" in _reject(doubled, "amount")
