"""The audit chain: intact after real writes, and every kind of tampering is caught."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import Actor, Freeze, apply
from riskline.errors import NotFound, Unauthenticated
from riskline.events import PiiHasher, parse_event
from riskline.rules import ListEntry
from riskline.runtime import Runtime, build_runtime
from riskline.storage import KeyStore, SqlListStore
from riskline.storage.audit import AuditLog
from tests.conftest import SECRET, ScriptedFeatures
from tests.factories import T0, wire


@pytest.fixture
def runtime(db_url: str, clock: FixedClock) -> Iterator[Runtime]:
    rt = build_runtime(
        Settings(database_url=db_url, pii_secret=SECRET), clock=clock, features=ScriptedFeatures()
    )
    yield rt
    rt.close()


def _ingest(rt: Runtime, hasher: PiiHasher) -> None:
    events = [wire("account_opened", account_id="a1", person_id="p1", event_id="open-1")]
    events += [wire("account_opened", account_id="a2", person_id="p2", event_id="open-2")]
    events += [wire("payment", account_id="a1", event_id=f"pay-{i}") for i in range(5)]
    events += [wire("loan_drawdown", account_id="a2", event_id="draw-1")]
    rt.ingestor.process([parse_event(e, hasher) for e in events[:3]])
    rt.ingestor.process([parse_event(e, hasher) for e in events[3:]])
    line = rt.store.lines_for(["a1"])[0]
    new, change = apply(line, Freeze(30, 7), Actor("analyst", "k1"), ("CHECK",), None, T0)
    rt.store.apply_change(line, new, change)


def test_chain_is_intact_after_real_writes(runtime: Runtime, hasher: PiiHasher) -> None:
    _ingest(runtime, hasher)
    report = AuditLog(runtime.store.engine).verify()
    assert report.ok, report.breaches
    assert report.events_covered == 8
    kinds = [e.kind for e in _entries(runtime.store.engine)]
    assert kinds.count("ledger") == 3  # two ingested batches and the analyst's change


def _entries(engine: Engine) -> list[object]:
    log = AuditLog(engine)
    with engine.connect() as conn:
        return list(log.entries(conn))


TAMPERING: dict[str, tuple[str, str]] = {
    "event payload edited": (
        "UPDATE events SET payload = replace(payload, 'a1', 'a9') WHERE event_id = 'pay-2'",
        "were edited, added or removed",
    ),
    "decision body edited": (
        'UPDATE decisions SET body = replace(body, \'"scores":{}\', \'"scores":{"x":1}\') '
        "WHERE event_id = 'pay-1'",
        "were edited, added or removed",
    ),
    "line change deleted": (
        "DELETE FROM line_history WHERE action = 'freeze'",
        "were edited, added or removed",
    ),
    "event slipped in": (
        "INSERT INTO events (event_id, type, subject, occurred_at, recorded_at, fingerprint, "
        "decision_id, payload) SELECT 'forged', type, subject, occurred_at, recorded_at, "
        "fingerprint, 'd_forged', payload FROM events WHERE event_id = 'pay-0'",
        "event rows after",
    ),
    "audit entry edited": (
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1",
        "entry was edited",
    ),
    "audit entry deleted": ("DELETE FROM audit_log WHERE seq = 2", "entries removed"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_detected(runtime: Runtime, hasher: PiiHasher, case: str) -> None:
    _ingest(runtime, hasher)
    sql, expected = TAMPERING[case]
    with runtime.store.engine.begin() as conn:
        assert conn.exec_driver_sql(sql).rowcount == 1
    report = AuditLog(runtime.store.engine).verify()
    assert not report.ok
    assert any(expected in b.problem for b in report.breaches), report.breaches


def test_keys_and_lists_are_audited(db: Engine) -> None:
    keys, lists = KeyStore(db), SqlListStore(db)
    key, _ = keys.create("ops", "analyst", actor="root")
    lists.add(ListEntry("block", "device", "d1", "case:1", T0, None, ""), actor="k-analyst")
    assert lists.remove("block", "device", "d1", actor="k-analyst")
    assert not lists.remove("block", "device", "d1", actor="k-analyst")
    keys.revoke(key.key_id, actor="root")
    got = [(e.kind, e.actor, e.target) for e in _entries(db)]  # type: ignore[attr-defined]
    assert got == [
        ("key.created", "root", key.key_id),
        ("list.added", "k-analyst", "block:device:d1"),
        ("list.removed", "k-analyst", "block:device:d1"),
        ("key.revoked", "root", key.key_id),
    ]
    assert AuditLog(db).verify().ok


def test_rotation_keeps_the_old_key_for_the_grace_period_only(db: Engine) -> None:
    keys = KeyStore(db)
    old, old_token = keys.create("app", "ingest")
    new, new_token = keys.rotate(old.key_id, grace=timedelta(hours=1))
    assert (new.name, new.role) == (old.name, old.role)
    assert keys.verify(old_token).key_id == old.key_id  # still inside the grace period
    assert keys.verify(new_token).key_id == new.key_id
    keys.revoke(old.key_id)  # cut the grace short
    with pytest.raises(Unauthenticated, match="revoked"):
        keys.verify(old_token)
    with pytest.raises(NotFound):
        keys.rotate(old.key_id)


def test_cli_verify_exits_nonzero_on_a_breach(
    runtime: Runtime, hasher: PiiHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskline.cli import app

    _ingest(runtime, hasher)
    monkeypatch.setenv("RISKLINE_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", SECRET)
    run: Callable[[], object] = lambda: CliRunner().invoke(app, ["audit", "verify"])  # noqa: E731
    ok = run()
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    assert "audit chain intact" in ok.output  # type: ignore[attr-defined]
    with runtime.store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET outcome = 'decline'"))
        conn.execute(text("UPDATE decisions SET body = body || ' '"))
    bad = run()
    assert bad.exit_code == 1
