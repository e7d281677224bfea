"""File ingestion: JSONL, CSV or Parquet rows -> validated events -> the writer, with a line report.

A bad line is reported with its line number and never half-applied: it is
rejected before anything is written, and the rest of its batch still goes in.

Rows are events in their wire form, or (``history=HistoryColumns(...)``) a user's payment
history with their own column names, read as payment events by
:func:`riskline.events.history.payment_wires` like ``riskline train fraud`` reads it.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskline.errors import Conflict, InvalidInput, RisklineError
from riskline.events import Event, PiiHasher, parse_event
from riskline.events.history import HistoryColumns, payment_wires
from riskline.service import Ingestor

__all__ = ["EXIT_SOME_REJECTED", "IngestReport", "history_wire", "ingest_file", "read_rows"]

EXIT_SOME_REJECTED = 3
"""``riskline ingest`` exit code when some lines were rejected and every other line decided
(0: every line accepted or replayed; 2: usage error, nothing read)."""

_NESTED = {"fingerprint", "roles"}


@dataclass(slots=True)
class IngestReport:
    """What happened to each line of a file."""

    accepted: int = 0
    replayed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Lines refused."""
        return len(self.errors)


def read_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed row) for JSONL, CSV or Parquet; unparseable lines yield an exception."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        yield from _jsonl(path)
    elif suffix == ".csv":
        yield from _csv(path)
    elif suffix == ".parquet":
        yield from _parquet(path)
    else:
        raise InvalidInput(f"{path.name}: unsupported file type (use .jsonl, .csv or .parquet)")


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as fh:
        for no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                yield no, json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
            except (UnicodeDecodeError, ValueError, RecursionError) as err:
                yield no, InvalidInput(f"not valid JSON: {err}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _csv(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        for no, row in enumerate(csv.DictReader(fh), start=2):
            yield no, _clean(row)


def _clean(row: dict[str, Any]) -> dict[str, Any] | InvalidInput:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            return InvalidInput("more values than header columns")
        if value is None or value == "":
            continue
        if key in _NESTED:
            try:
                value = json.loads(value)
            except ValueError:
                return InvalidInput(f"column {key} must hold JSON")
        out[key] = value
    return out


def _parquet(path: Path) -> Iterator[tuple[int, Any]]:
    import polars as pl

    frame = pl.read_parquet(path)
    for no, row in enumerate(frame.iter_rows(named=True), start=1):
        yield no, {k: _nested(k, v) for k, v in row.items() if v is not None}


def _nested(key: str, value: Any) -> Any:
    if key in _NESTED and isinstance(value, str):
        return json.loads(value)
    return value


def history_wire(row: dict[str, Any], position: int, cols: HistoryColumns) -> dict[str, Any]:
    """One history row (``position``: its place among the file's rows, from 0) as a payment
    event's wire form; ids are ``row-<position>`` without an id column, as training gives them.

    >>> cols = HistoryColumns(payer="card", payee="tid", amount="amt", time="t")
    >>> w = history_wire({"card": "c1", "tid": "T9", "amt": "0.00", "t": "60"}, 4, cols)
    >>> w["event_id"], w["occurred_at"], w["amount"]
    ('row-4', '1970-01-01T00:01:00+00:00', '0.00')
    """
    missing = [c for c in (cols.payer, cols.payee, cols.amount, cols.time) if row.get(c) is None]
    if missing:
        raise InvalidInput(f"no value in column {', '.join(map(repr, missing))}")
    if cols.event_id is not None and row.get(cols.event_id) is None:
        raise InvalidInput(f"no value in id column {cols.event_id!r}")
    when = row[cols.time]
    if isinstance(when, str):
        with contextlib.suppress(ValueError):  # else an ISO date-time
            when = float(when)
    wire = next(payment_wires([{**row, cols.time: when}], cols))
    if cols.event_id is None:
        wire["event_id"] = f"row-{position}"
    return wire


def ingest_file(
    path: Path,
    ingestor: Ingestor,
    hasher: PiiHasher,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
    history: HistoryColumns | None = None,
) -> IngestReport:
    """Validate every line, decide the good ones in batches, report the bad ones."""
    report = IngestReport()
    pending: list[tuple[int, Event]] = []
    for position, (no, row) in enumerate(read_rows(path)):
        if history is not None and isinstance(row, dict):
            try:
                row = history_wire(row, position, history)
            except RisklineError as err:
                row = err
        if isinstance(row, RisklineError):
            report.errors.append((no, row.message))
        elif not isinstance(row, dict):
            report.errors.append((no, "a line must hold one JSON object"))
        else:
            try:
                pending.append((no, parse_event(row, hasher)))
            except RisklineError as err:
                report.errors.append((no, err.message))
        if len(pending) >= batch_size:
            _flush(pending, ingestor, report)
            pending = []
        if progress:
            progress(no)
    _flush(pending, ingestor, report)
    report.errors.sort()
    return report


def _flush(pending: list[tuple[int, Event]], ingestor: Ingestor, report: IngestReport) -> None:
    if not pending:
        return
    try:
        _count(report, ingestor, [e for _, e in pending])
    except (InvalidInput, Conflict):
        for no, event in pending:
            try:
                _count(report, ingestor, [event])
            except (InvalidInput, Conflict) as err:
                report.errors.append((no, err.message))


def _count(report: IngestReport, ingestor: Ingestor, events: list[Event]) -> None:
    result = ingestor.process(events)
    for d, again in zip(result.decisions, result.replayed, strict=True):
        if again:
            report.replayed += 1
            continue
        report.accepted += 1
        report.outcomes[d.outcome.value] = report.outcomes.get(d.outcome.value, 0) + 1
