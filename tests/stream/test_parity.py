"""Several workers decide exactly what one process decides, on the same simulated events.

Scope claimed (docs/operations.md): features (all 75 of the catalog and the graph
signals) and decisions (outcome, reasons, actions, scores) equal the single-process run
for every event, as long as no policy contagion spreads a freeze across owners decided
by different workers; each event is decided once, each decision published once.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from riskline.storage import connect, upgrade
from riskline.stream import JetStream, StreamNames, encode_message, outbox_table, slot_of
from tests.stream.conftest import world_events
from tests.stream.helpers import (
    comparable,
    decisions_of,
    reference_run,
    run_workers,
    settings_for,
    wait_relayed,
)

pytestmark = [pytest.mark.nats, pytest.mark.postgres, pytest.mark.slow]

N = 2500


def _publish_with_noise(js: JetStream) -> int:
    """The events in order, plus a repeat, a conflicting repeat and a poison message."""
    events = world_events(N)
    subject = js.names.events_subject
    items = [(subject, encode_message(e), {"Nats-Msg-Id": e.event_id}) for e in events]
    repeat = items[100]
    conflicting = orjson.loads(repeat[1])
    conflicting["occurred_at"] = events[99].occurred_at.isoformat()
    noise = [
        (subject, repeat[1], {"Nats-Msg-Id": "again-1"}),
        (subject, orjson.dumps(conflicting), {"Nats-Msg-Id": "again-2"}),
        (subject, b"\x00 not an event", {}),
    ]
    seqs = js.publish_many(items[:1000] + noise + items[1000:])
    return max(seqs)


@pytest.mark.parametrize("slots", [2])
def test_workers_equal_the_single_process(
    slots: int, nats_url: str, names: StreamNames, js: JetStream, pg_url: str, tmp_path: Path,
    sqlite_url: str,
) -> None:  # fmt: skip
    events = world_events(N)
    last = _publish_with_noise(js)
    reference_run(settings_for(sqlite_url, tmp_path), events)
    db = connect(pg_url)
    upgrade(db)
    procs = run_workers(settings_for(pg_url, tmp_path), nats_url, names, slots, last)
    try:
        relayed = wait_relayed(js, N)
    finally:
        for p in procs:
            p.close()

    want, got = decisions_of(sqlite_url, events), decisions_of(pg_url, events)
    assert len(want) == len(got) == N
    mismatched = [
        e.event_id for e in events if comparable(want[e.event_id]) != comparable(got[e.event_id])
    ]
    assert mismatched == []
    # Both workers really decided: each slot's events were decided by its own worker.
    decided = [p.worker.stats.decided for p in procs]
    assert decided == [sum(slot_of(e, slots) == k for e in events) for k in range(slots)]
    assert all(0 < n < N for n in decided)
    # Once each: one ledger row per event, one published decision per event, two dead letters.
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox_table)).scalar_one() == N
    db.dispose()
    assert relayed == N
    published = [orjson.loads(m.data)["data"]["event_id"]
                 for m in js.replay(names.decisions_stream, relayed)]  # fmt: skip
    assert sorted(published) == sorted(e.event_id for e in events)
    letters = [orjson.loads(m.data) for m in js.replay(names.dlq_stream, 10)]
    assert sorted(x["error"].split(":")[0] for x in letters) == ["conflict", "undecodable"]
