"""Faults against the real services: kill -9 of a worker, PostgreSQL cut off, poison messages.

Counts are checked, and the end state is compared with the single-process run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from riskline.api import create_app
from riskline.bench.stream import spawn_worker, stop, wait_ready
from riskline.config import Settings
from riskline.decisioning import decision_id_for
from riskline.runtime import build_runtime
from riskline.storage import connect, tables, upgrade
from riskline.stream import (
    JetStream,
    StreamNames,
    encode_message,
    outbox_table,
    slot_of,
    start_worker,
)
from tests.conftest import SECRET, ScriptedFeatures
from tests.factories import wire
from tests.stream.conftest import world_events
from tests.stream.helpers import comparable, decisions_of, reference_run, settings_for, wait_relayed
from tests.stream.proxy import TcpProxy

pytestmark = [pytest.mark.nats, pytest.mark.postgres, pytest.mark.slow]


def _count(db: Engine, table: object) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _publish(js: JetStream, n: int) -> int:
    subject = js.names.events_subject
    items = [(subject, encode_message(e), {"Nats-Msg-Id": e.event_id}) for e in world_events(n)]
    return max(js.publish_many(items))


def _wait(cond: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)


def _assert_equal_to_reference(pg_url: str, sqlite_url: str, tmp_path: Path, n: int) -> None:
    events = world_events(n)
    reference_run(settings_for(sqlite_url, tmp_path), events)
    want, got = decisions_of(sqlite_url, events), decisions_of(pg_url, events)
    assert len(got) == n
    assert [
        e.event_id for e in events if comparable(want[e.event_id]) != comparable(got[e.event_id])
    ] == []


def test_kill_9_mid_stream_loses_no_acknowledged_event_and_duplicates_no_effect(
    nats_url: str, names: StreamNames, js: JetStream, pg_url: str, tmp_path: Path,
    sqlite_url: str,
) -> None:  # fmt: skip
    n, slots = 2000, 2
    db = connect(pg_url)
    upgrade(db)
    last = _publish(js, n)
    procs = [
        spawn_worker(pg_url, nats_url, names.prefix, k, slots, SECRET, batch=64)
        for k in range(slots)
    ]
    try:
        for p in procs:
            wait_ready(p)
        _wait(lambda: _count(db, tables.events) >= 500, 300, "500 events decided")
        os.kill(procs[1].pid, signal.SIGKILL)
        stop([procs[1]])
        # Everything the killed worker acknowledged is committed, with its outbox rows.
        acked = js.ack_floor(names.consumer(1, slots)) or 0
        own_acked = [
            e for i, e in enumerate(world_events(n), 1) if i <= acked and slot_of(e, slots) == 1
        ]
        assert acked > 0 and own_acked
        stored = decisions_of(pg_url, own_acked)
        assert len(stored) == len(own_acked)
        with db.connect() as conn:
            keys = set(conn.execute(select(outbox_table.c.key)).scalars())
        assert {decision_id_for(e.event_id) for e in own_acked} <= keys
        procs[1] = spawn_worker(pg_url, nats_url, names.prefix, 1, slots, SECRET, batch=64)
        wait_ready(procs[1])
        _wait(lambda: _count(db, tables.events) >= n, 600, "all events decided")
        assert wait_relayed(js, n, timeout=120) == n
        _wait(
            lambda: all(
                (js.ack_floor(names.consumer(k, slots)) or 0) >= last for k in range(slots)
            ),
            120,
            "acks",
        )
    finally:
        stop(procs)
    assert _count(db, tables.events) == _count(db, tables.decisions) == n
    assert _count(db, outbox_table) == n
    published = [
        orjson.loads(m.data)["data"]["decision_id"]
        for m in js.replay(names.decisions_stream, n + 10)
    ]
    assert len(published) == len(set(published)) == n
    db.dispose()
    _assert_equal_to_reference(pg_url, sqlite_url, tmp_path, n)


def test_postgres_cut_off_under_a_worker_then_back(
    nats_url: str, names: StreamNames, js: JetStream, pg_url: str, tmp_path: Path,
    sqlite_url: str,
) -> None:  # fmt: skip
    n = 1200
    direct = connect(pg_url)
    upgrade(direct)
    proxy = TcpProxy(("127.0.0.1", 5432))
    via = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    last = _publish(js, n)
    proc = start_worker(settings_for(via, tmp_path), nats_url, names, 0, 1, batch=50)
    w = proc.worker
    thread = threading.Thread(target=w.run, args=(0.2,), daemon=True)
    thread.start()
    try:
        _wait(lambda: w.stats.decided >= 300, 300, "300 decided")
        proxy.cut()
        _wait(lambda: w.stats.retries >= 3, 60, "retries while the database is away")
        # Nothing half-written: every stored event has its decision, and the worker has not
        # acknowledged past what is stored.
        events_now, decisions_now = _count(direct, tables.events), _count(direct, tables.decisions)
        assert events_now == decisions_now < n
        assert (js.ack_floor(names.consumer(0, 1)) or 0) <= events_now
        with direct.connect() as conn:
            orphans = conn.execute(text(
                "SELECT count(*) FROM line_history h LEFT JOIN decisions d "
                "ON h.decision_id = d.decision_id WHERE h.decision_id IS NOT NULL "
                "AND d.decision_id IS NULL")).scalar_one()  # fmt: skip
        assert orphans == 0
        time.sleep(1.0)
        assert _count(direct, tables.events) == events_now  # nothing moves while it is away
        proxy.restore()
        _wait(lambda: w.position >= last, 300, "caught up after the database came back")
        assert wait_relayed(js, n, timeout=120) == n
    finally:
        w.stop.set()
        thread.join(timeout=60)
        proc.close()
        proxy.close()
    assert _count(direct, tables.events) == _count(direct, outbox_table) == n
    assert w.stats.rebuilds >= 1 or w.stats.retries >= 3
    direct.dispose()
    _assert_equal_to_reference(pg_url, sqlite_url, tmp_path, n)


def test_api_answers_503_retry_after_while_postgres_is_away(pg_url: str, tmp_path: Path) -> None:
    direct = connect(pg_url)
    upgrade(direct)
    proxy = TcpProxy(("127.0.0.1", 5432))
    via = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    runtime = build_runtime(
        Settings(database_url=via, pii_secret=SECRET), features=ScriptedFeatures()
    )
    try:
        token = runtime.keys.create("ingest-key", "ingest")[1]
        client = TestClient(create_app(runtime), raise_server_exceptions=False)
        h = {"Authorization": f"Bearer {token}"}
        opened = wire("account_opened", event_id="open-1")
        assert client.post("/v1/events", json=opened, headers=h).status_code == 200
        payment = wire("payment", event_id="pay-1", amount="12.00")
        proxy.cut()
        for _ in range(3):
            r = client.post("/v1/events", json=payment, headers=h)
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] == "1" and r.json()["error"] == "unavailable"
        assert _count(direct, tables.events) == _count(direct, tables.decisions) == 1
        proxy.restore()
        codes = []
        for _ in range(10):
            r = client.post("/v1/events", json=payment, headers=h)
            codes.append(r.status_code)
            if r.status_code == 200:
                break
            assert r.status_code == 503
            time.sleep(0.2)
        assert codes[-1] == 200 and r.json()["replayed"] is False
        assert client.post("/v1/events", json=payment, headers=h).json()["replayed"] is True
        assert _count(direct, tables.events) == _count(direct, tables.decisions) == 2
    finally:
        runtime.close()
        proxy.close()
        direct.dispose()


def test_poison_messages_go_to_the_dead_letter_stream_and_the_worker_goes_on(
    nats_url: str, names: StreamNames, js: JetStream, sqlite_url: str, tmp_path: Path
) -> None:
    events = world_events(300)
    subject = names.events_subject
    poison = [b"{not json", b'{"type":"payment","event_id":"p1"}', b'{"type":"nope"}']
    items = [(subject, encode_message(e), {"Nats-Msg-Id": e.event_id}) for e in events]
    seqs = js.publish_many(items[:100] + [(subject, p, {}) for p in poison] + items[100:])
    proc = start_worker(settings_for(sqlite_url, tmp_path), nats_url, names, 0, 1, batch=40)
    try:
        while proc.worker.position < max(seqs):
            proc.worker.step(0.2)
    finally:
        proc.close()
    assert proc.worker.stats.decided == 300 and proc.worker.stats.dead == 3
    letters = [orjson.loads(m.data) for m in js.replay(names.dlq_stream, 10)]
    assert [x["seq"] for x in letters] == [101, 102, 103]
    assert [x["body"] for x in letters] == [p.decode() for p in poison]
    assert letters[0]["error"].startswith("undecodable")
    assert all(x["error"].startswith("invalid event") for x in letters[1:])
    assert len(decisions_of(sqlite_url, events)) == 300
