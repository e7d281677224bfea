"""``riskline publish FILE``: validate a history and send it into the events stream.

Lines are validated and personal identifiers hashed exactly as ``riskline ingest`` does;
bad lines are reported and not sent. Each message carries ``Nats-Msg-Id: <event_id>``, so
publishing the same file twice inside the stream's duplicate window stores nothing new
(and outside it the workers' admission and the ledger still decide each event once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from riskline.errors import RisklineError
from riskline.events import Event, PiiHasher, encode_event, parse_event
from riskline.ingest import read_rows
from riskline.stream.bridge import JetStream

__all__ = ["PublishReport", "encode_message", "parse_all", "publish_events", "publish_file"]


@dataclass(slots=True)
class PublishReport:
    """What happened to each line."""

    published: int = 0
    repeated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    last_seq: int = 0


def encode_message(event: Event) -> bytes:
    """The stream body of an event: its codec encoding (identifiers already hashed)."""
    return orjson.dumps(encode_event(event))


def publish_events(js: JetStream, events: Sequence[Event], report: PublishReport) -> None:
    """Publish one batch and wait for the stream's acknowledgements."""
    if not events:
        return
    subject = js.names.events_subject
    seqs = js.publish_many(
        [(subject, encode_message(e), {"Nats-Msg-Id": e.event_id}) for e in events]
    )
    for seq in seqs:
        if seq <= report.last_seq:
            report.repeated += 1
        else:
            report.published += 1
            report.last_seq = seq


def publish_file(
    path: Path,
    js: JetStream,
    hasher: PiiHasher,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> PublishReport:
    """Validate every line and publish the good ones in order, ``batch`` at a time."""
    report = PublishReport(last_seq=js.last_seq(js.names.events_stream))
    pending: list[Event] = []
    for no, row in read_rows(path):
        event = _parse(no, row, hasher, report.errors)
        if event is not None:
            pending.append(event)
        if len(pending) >= batch:
            publish_events(js, pending, report)
            pending = []
        if progress:
            progress(no)
    publish_events(js, pending, report)
    return report


def _parse(no: int, row: object, hasher: PiiHasher, errors: list[tuple[int, str]]) -> Event | None:
    if isinstance(row, RisklineError):
        errors.append((no, row.message))
        return None
    if not isinstance(row, dict):
        errors.append((no, "a line must hold one JSON object"))
        return None
    try:
        return parse_event(row, hasher)
    except RisklineError as err:
        errors.append((no, err.message))
        return None


def parse_all(rows: Iterable[dict[str, object]], hasher: PiiHasher) -> list[Event]:
    """Wire rows to events (tests and the benchmark; raises on a bad row)."""
    return [parse_event(r, hasher) for r in rows]
