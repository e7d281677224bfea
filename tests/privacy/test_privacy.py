"""Retention purge, subject export and erasure: right rows, nothing else, chain still verifies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import select, text, update

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.errors import InvalidConfig, InvalidInput, NotFound
from riskline.events import PiiHasher, parse_event
from riskline.privacy import RetentionPolicy, erase_subject, export_subject, purge
from riskline.runtime import Runtime, build_runtime
from riskline.storage import tables as tb
from riskline.storage.audit import AuditLog
from tests.conftest import SECRET, ScriptedFeatures
from tests.factories import wire


@pytest.fixture
def runtime(db_url: str, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(
        Settings(database_url=db_url, pii_secret=SECRET), clock=clock, features=ScriptedFeatures()
    )
    yield rt
    rt.close()


def _world(rt: Runtime, hasher: PiiHasher) -> None:
    first = [
        wire("account_opened", account_id="a1", person_id="p1", device_id="dev-1", ip="1.2.3.4"),
        wire("account_opened", account_id="a2", person_id="p2", device_id="dev-2"),
        wire("login", account_id="a1", device_id="dev-1", ip="1.2.3.4"),
    ]
    second = [
        wire("payment", account_id="a1", device_id="dev-1", amount="88.00"),
        wire("payment", account_id="a2", amount="12.00"),
        wire("loan_drawdown", account_id="a1", amount="300.00"),
        wire("bureau_report", person_id="p1"),
        wire("login", account_id="a2", device_id="dev-2"),
    ]
    for batch in (first, second):
        rt.ingestor.process([parse_event(e, hasher) for e in batch])


def _payloads(rt: Runtime, subject: str) -> list[dict[str, object]]:
    with rt.store.engine.connect() as conn:
        q = select(tb.events.c.payload).where(tb.events.c.subject == subject)
        return [orjson.loads(p) for p in conn.execute(q).scalars()]


def test_export_holds_everything_about_the_person_and_nothing_else(
    runtime: Runtime, hasher: PiiHasher
) -> None:
    _world(runtime, hasher)
    data = export_subject(runtime.store.engine, "p1")
    assert data["accounts"] == ["a1"]
    subjects = {e["subject"] for e in data["events"]}
    assert subjects == {"a1", "p1"}
    assert len(data["events"]) == 5
    assert {d["event_id"] for d in data["decisions"]} == {e["event_id"] for e in data["events"]}
    assert data["credit_lines"] and all(ln["owner_id"] == "a1" for ln in data["credit_lines"])
    dumped = orjson.dumps(data).decode()
    assert "dev-2" not in dumped and '"account_id":"a2"' not in dumped
    with pytest.raises(NotFound):
        export_subject(runtime.store.engine, "nobody")


def test_erasure_removes_identifiers_keeps_facts_and_the_chain_verifies(
    runtime: Runtime, hasher: PiiHasher, db_url: str, clock: FixedClock
) -> None:
    _world(runtime, hasher)
    engine = runtime.store.engine
    decisions_before = export_subject(engine, "p1")["decisions"]
    p2_before = _payloads(runtime, "a2")
    with pytest.raises(InvalidInput, match="reason"):
        erase_subject(engine, "p1", "dpo", " ")
    assert erase_subject(engine, "p1", "dpo", "PIPL art. 47 request #12") == 3
    for payload in _payloads(runtime, "a1"):
        for name in ("phone_hash", "id_hash", "device_id"):
            assert payload.get(name) is None or str(payload[name]).startswith("erased-")
        assert payload.get("ip") is None
        assert "amount" not in payload or payload["amount"] in ("88.00", "300.00")
    text_all = "".join(orjson.dumps(p).decode() for p in _payloads(runtime, "a1"))
    assert "dev-1" not in text_all and "1.2.3.4" not in text_all
    assert export_subject(engine, "p1")["decisions"] == decisions_before
    assert _payloads(runtime, "a2") == p2_before
    report = AuditLog(engine).verify()
    assert report.ok, report.breaches
    # an edit after the erasure is still caught
    with engine.begin() as conn:
        conn.execute(update(tb.events).where(tb.events.c.subject == "a1").values(payload="{}"))
    assert not AuditLog(engine).verify().ok


def test_erased_events_still_replay_on_restart(
    runtime: Runtime, hasher: PiiHasher, db_url: str, clock: FixedClock
) -> None:
    _world(runtime, hasher)
    erase_subject(runtime.store.engine, "p1", "dpo", "request #13")
    runtime.close()
    again = build_runtime(
        Settings(database_url=db_url, pii_secret=SECRET), clock=clock, features=ScriptedFeatures()
    )
    try:
        assert again.store.count_events() == 8
    finally:
        again.close()


def test_retention_purges_whole_old_ledger_entries_and_the_chain_still_verifies(
    runtime: Runtime, hasher: PiiHasher
) -> None:
    _world(runtime, hasher)
    engine = runtime.store.engine
    now = datetime.now(UTC)
    old = now - timedelta(days=6 * 365)
    with engine.begin() as conn:  # age the first batch (recorded_at is not part of the digest)
        conn.execute(update(tb.events).where(tb.events.c.seq <= 3).values(recorded_at=old))
    policy = RetentionPolicy()
    dry = purge(engine, policy, now, dry_run=True)
    assert (dry.events, dry.decisions, dry.dry_run) == (3, 3, True)
    assert runtime.store.count_events() == 8
    done = purge(engine, policy, now)
    assert (done.events, done.decisions, done.events_upto) == (3, 3, 3)
    assert runtime.store.count_events() == 5
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM decisions")).scalar_one() == 5
    assert AuditLog(engine).verify().ok
    assert purge(engine, policy, now).events == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET payload = '{}' WHERE seq = 5"))
    assert not AuditLog(engine).verify().ok


def test_a_policy_must_be_sensible() -> None:
    with pytest.raises(InvalidConfig):
        RetentionPolicy(ledger_days=0)
    with pytest.raises(InvalidConfig, match="unknown data classes"):
        RetentionPolicy(classes={"everything": 3})
