"""A user's payment history (one row per payment, their column names) as payment events.

Training (``riskline train fraud FILE --payer ... --payee ...``) and ingestion of the same
kind of file go through :func:`payment_wires`, so a model trained on a history reads the same
events the engine decides. Payer and payee values become account and merchant ids as given:
give tokens, never card numbers in clear.

>>> cols = HistoryColumns(payer="card", payee="terminal", amount="amt", time="t", time_unit="h")
>>> next(payment_wires([{"card": 7, "terminal": "T1", "amt": 12.5, "t": 25}], cols))
... # doctest: +NORMALIZE_WHITESPACE
{'type': 'payment', 'event_id': 'row-0', 'occurred_at': '1970-01-02T01:00:00+00:00',
 'account_id': '7', 'merchant_id': 'T1', 'amount': '12.5', 'funding': 'bank_card'}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from riskline.errors import InvalidInput
from riskline.events.types import Funding

__all__ = ["TIME_UNITS", "HistoryColumns", "payment_wires"]

TIME_UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
"""Units of a numeric time column, in seconds (a number of units since 1970-01-01 UTC)."""


@dataclass(frozen=True, slots=True)
class HistoryColumns:
    """Which of the user's columns is which; ``None`` where the history has no such column."""

    payer: str
    payee: str
    amount: str
    time: str
    event_id: str | None = None
    device: str | None = None
    time_unit: str = "s"
    funding: Funding = Funding.BANK_CARD

    def __post_init__(self) -> None:
        if self.time_unit not in TIME_UNITS:
            raise InvalidInput(
                f"unknown time unit {self.time_unit!r}; use one of {', '.join(TIME_UNITS)}"
            )

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a history must have."""
        named = (self.payer, self.payee, self.amount, self.time, self.event_id, self.device)
        return tuple(c for c in named if c is not None)


def _when(value: Any, unit: str, row: int, column: str) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=value * TIME_UNITS[unit])
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
    return moment.isoformat()


def payment_wires(
    rows: Iterable[Mapping[str, Any]], cols: HistoryColumns
) -> Iterator[dict[str, Any]]:
    """One ``payment`` event (wire form, for ``parse_event``) per row, in the rows' order.

    Event ids are the ``event_id`` column's values, else ``row-N`` (N = position in the file,
    so re-reading the same file gives the same ids and replays never double-count).
    """
    for i, row in enumerate(rows):
        wire: dict[str, Any] = {
            "type": "payment",
            "event_id": str(row[cols.event_id]) if cols.event_id else f"row-{i}",
            "occurred_at": _when(row[cols.time], cols.time_unit, i, cols.time),
            "account_id": str(row[cols.payer]),
            "merchant_id": str(row[cols.payee]),
            "amount": str(row[cols.amount]),
            "funding": cols.funding.value,
        }
        if cols.device and row.get(cols.device) is not None:
            wire["device_id"] = str(row[cols.device])
        yield wire
