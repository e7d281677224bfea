"""A user's payment history (one row per payment, their column names) as payment events.

Training (``riskline train fraud FILE --payer ... --payee ...``) and ingestion of the same
kind of file go through :func:`payment_wires`, so a model trained on a history reads the same
events the engine decides. Payer and payee values become account and merchant ids as given:
give tokens, never card numbers in clear.

>>> cols = HistoryColumns(payer="card", payee="terminal", amount="amt", time="t", time_unit="h")
>>> next(payment_wires([{"card": 7, "terminal": "T1", "amt": 12.5, "t": 25}], cols))
... # doctest: +NORMALIZE_WHITESPACE
{'type': 'payment', 'event_id': 'row-0', 'occurred_at': '1970-01-02T01:00:00+00:00',
 'account_id': '7', 'merchant_id': 'T1', 'amount': '12.50', 'funding': 'bank_card'}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from riskline.errors import InvalidInput
from riskline.events.types import Funding

__all__ = [
    "EPOCH",
    "TIME_UNITS",
    "HistoryColumns",
    "amount_text",
    "parse_time_origin",
    "payment_wires",
    "time_of",
]

TIME_UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
"""Units of a numeric time column, in seconds (a number of units since 1970-01-01 UTC)."""

CENT = Decimal("0.01")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time_origin(text: str | None) -> datetime:
    """What ``--time-origin`` says a numeric time of 0 means (UTC when no zone is given).

    >>> parse_time_origin("2024-01-01").isoformat()
    '2024-01-01T00:00:00+00:00'
    >>> parse_time_origin(None) == EPOCH
    True
    """
    if text is None:
        return EPOCH
    try:
        origin = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--time-origin takes a date such as 2024-01-01, got {text!r}") from None
    return origin if origin.tzinfo is not None else origin.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HistoryColumns:
    """Which of the user's columns is which; ``None`` where the history has no such column."""

    payer: str
    payee: str
    amount: str
    time: str
    event_id: str | None = None
    device: str | None = None
    channel: str | None = None
    category: str | None = None
    """The merchant category column (the event's ``merchant_category``)."""
    location: str | None = None
    time_unit: str = "s"
    funding: Funding = Funding.BANK_CARD
    time_origin: datetime = EPOCH
    """What a numeric time of 0 means (the engine takes dates from 2000 on: a step counter
    such as 0, 1, 2... needs an origin, e.g. 2024-01-01)."""

    def __post_init__(self) -> None:
        if self.time_origin.tzinfo is None:
            object.__setattr__(self, "time_origin", self.time_origin.replace(tzinfo=UTC))
        if self.time_unit not in TIME_UNITS:
            raise InvalidInput(
                f"unknown time unit {self.time_unit!r}; use one of {', '.join(TIME_UNITS)}"
            )

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a history must have."""
        named = (self.payer, self.payee, self.amount, self.time, self.event_id, self.device)
        return tuple(c for c in (*named, *self.labels.values()) if c is not None)

    @property
    def labels(self) -> dict[str, str]:
        """Payment field -> the user's column, for the optional labels the history has."""
        named = {
            "channel": self.channel,
            "merchant_category": self.category,
            "location": self.location,
        }
        return {f: c for f, c in named.items() if c is not None}


def time_of(value: Any, unit: str, row: int, column: str, origin: datetime = EPOCH) -> datetime:
    """A time cell as an aware datetime: a datetime (naive = UTC), a number of ``unit`` since
    ``origin`` (1970-01-01 UTC), or an ISO date-time text; ``row``/``column`` name it in errors.

    >>> time_of(2, "d", 0, "t").isoformat()
    '1970-01-03T00:00:00+00:00'
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = origin + timedelta(seconds=value * TIME_UNITS[unit])
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"row {row}: time column {column!r} value {value!r} is neither a number nor "
                "an ISO date-time"
            ) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        raise InvalidInput(f"row {row}: time column {column!r} is empty")
    return moment


def amount_text(value: Any, row: int, column: str) -> str:
    """An amount cell as the engine's text: rounded to cents; zero is a valid amount (a card
    authorisation), a negative or missing one is refused, naming the row and the column.

    >>> amount_text(12.499, 0, "amt"), amount_text(0, 1, "amt")
    ('12.50', '0.00')
    """
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"row {row}: amount column {column!r} is empty")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(
            f"row {row}: amount column {column!r} value {value!r} is no number"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(
            f"row {row}: amount column {column!r} value {value!r} must be a number >= 0 "
            "(refunds are separate events)"
        )
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


def payment_wires(
    rows: Iterable[Mapping[str, Any]], cols: HistoryColumns
) -> Iterator[dict[str, Any]]:
    """One ``payment`` event (wire form, for ``parse_event``) per row, in the rows' order.

    Event ids are the ``event_id`` column's values, else ``row-N`` (N = position in the file,
    so re-reading the same file gives the same ids and replays never double-count). Amounts
    are rounded to cents (the engine's resolution); zero amounts pass through as ``0.00``.
    Channel, merchant category and location cells become the event's fields of those names
    (empty cells: no value); ``parse_event`` refuses values that are no printable ASCII label.
    """
    labels = tuple(cols.labels.items())
    for i, row in enumerate(rows):
        wire: dict[str, Any] = {
            "type": "payment",
            "event_id": str(row[cols.event_id]) if cols.event_id else f"row-{i}",
            "occurred_at": time_of(
                row[cols.time], cols.time_unit, i, cols.time, cols.time_origin
            ).isoformat(),
            "account_id": str(row[cols.payer]),
            "merchant_id": str(row[cols.payee]),
            "amount": amount_text(row[cols.amount], i, cols.amount),
            "funding": cols.funding.value,
        }
        if cols.device and row.get(cols.device) is not None:
            wire["device_id"] = str(row[cols.device])
        for name, column in labels:
            value = row.get(column)
            if value is not None and str(value).strip():
                wire[name] = str(value)
        yield wire
