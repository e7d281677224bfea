"""One repository suite, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import importlib
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import riskline
from riskline.credit import Actor, CreditLine, Freeze, LineStatus, apply
from riskline.decisioning import (
    Action,
    ActionKind,
    Batch,
    Decision,
    LedgerEntry,
    Outcome,
    Reason,
    decision_id_for,
)
from riskline.errors import Conflict, NotFound, Unauthenticated
from riskline.events import PiiHasher, Product, canonical_json, event_fingerprint, parse_event
from riskline.storage import KeyStore, SqlStore, current_revision, head_revision
from riskline.storage.tables import metadata
from tests.factories import T0, wire


def _decision(event_id: str) -> Decision:
    return Decision(
        decision_id=decision_id_for(event_id),
        event_id=event_id,
        event_type="payment",
        subject="a1",
        outcome=Outcome.REVIEW,
        reasons=(Reason("DEVICE_SHARED", "text", {"device.accounts_30d": 5.0}),),
        actions=(
            Action(ActionKind.FREEZE, Product.CASH_LOAN, "a1", days=30),
            Action(
                ActionKind.CUT_LIMIT,
                Product.REVOLVING,
                "a1",
                limit=Decimal("2500"),
                applied=False,
                note="no line",
            ),
        ),
        scores={"credit_score": 600.0},
        features={"device.accounts_30d": 5.0, "line.amount_to_available": float("inf")},
        versions={"policy": "p1"},
        occurred_at=T0,
        decided_at=T0 + timedelta(seconds=1),
        latency_us=42,
    )


def _line() -> CreditLine:
    return CreditLine.open("ln1", "a1", "account", Product.REVOLVING, Decimal("5000.00"), T0)


def _import_table_modules() -> None:
    """Packages put their tables on the shared metadata in their own modules: load them all."""
    root = Path(riskline.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        if "riskline.storage.tables import" in text and "Table(" in text:
            module = ".".join(("riskline", *path.relative_to(root).with_suffix("").parts))
            importlib.import_module(module)


def test_schema_matches_migrations(db: Engine) -> None:
    _import_table_modules()
    assert current_revision(db) == head_revision()
    with db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_batch_round_trip(db: Engine, hasher: PiiHasher) -> None:
    store = SqlStore(db)
    event = parse_event(wire("payment", event_id="e1"), hasher)
    decision = _decision("e1")
    line = _line()
    entry = LedgerEntry(
        event, canonical_json(event), event_fingerprint(event), decision.decision_id
    )
    batch = Batch(
        events=[entry],
        decisions=[decision],
        lines={line.line_id: line},
        new_lines={line.line_id},
        accounts=[("a1", "p1", T0.isoformat())],
    )
    store.commit(batch)
    found = store.find_events(["e1", "nope"])
    assert list(found) == ["e1"] and found["e1"].fingerprint == event_fingerprint(event)
    got = store.get_decision(decision.decision_id)
    assert got.reasons == decision.reasons and got.actions == decision.actions
    assert (
        got.occurred_at == T0
        and got.features["line.amount_to_available"] != got.features["line.amount_to_available"]
    )
    assert store.lines_for(["a1"]) == [line]
    assert list(store.iter_events()) == [event]
    assert store.account("a1")["person_id"] == "p1"
    assert store.outcome_counts() == {"review": 1}
    assert store.decisions_for("a1")[0].decision_id == decision.decision_id


def test_duplicate_event_id_rolls_back_the_whole_batch(db: Engine, hasher: PiiHasher) -> None:
    store = SqlStore(db)
    event = parse_event(wire("payment", event_id="e1"), hasher)
    entry = LedgerEntry(event, canonical_json(event), "f", "d1")
    store.commit(Batch(events=[entry], decisions=[_decision("e1")]))
    line = _line()
    again = Batch(events=[entry], lines={line.line_id: line}, new_lines={line.line_id})
    with pytest.raises(Conflict):
        store.commit(again)
    assert store.lines_for(["a1"]) == []


def test_line_updates_are_optimistic(db: Engine) -> None:
    store = SqlStore(db)
    line = _line()
    store.commit(Batch(lines={line.line_id: line}, new_lines={line.line_id}))
    frozen, change = apply(line, Freeze(10), Actor("analyst", "u1"), ("R1",), None, T0)
    store.apply_change(line, frozen, change)
    assert store.get_line("ln1").status is LineStatus.FROZEN
    stale = replace(line, limit=Decimal(1))
    with pytest.raises(Conflict, match="changed by someone else"):
        store.apply_change(line, stale, change)
    (entry,) = store.line_history("ln1")
    assert (entry.action, entry.actor, entry.reasons) == ("freeze", Actor("analyst", "u1"), ("R1",))
    assert store.get_line("ln1").limit == Decimal("5000.00")
    assert store.lines_by_status(LineStatus.FROZEN)[0].line_id == "ln1"


def test_missing_things(db: Engine) -> None:
    store = SqlStore(db)
    with pytest.raises(NotFound):
        store.get_decision("d_nope")
    with pytest.raises(NotFound):
        store.get_line("nope")
    with pytest.raises(NotFound):
        store.account("nope")


def test_keys(db: Engine) -> None:
    keys = KeyStore(db)
    key, token = keys.create("ingestor", "ingest")
    assert keys.verify(token).key_id == key.key_id
    with pytest.raises(Unauthenticated, match="unknown"):
        keys.verify(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(Unauthenticated, match="malformed"):
        keys.verify("hello")
    keys.revoke(key.key_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        keys.verify(token)
    with pytest.raises(NotFound):
        keys.revoke(key.key_id)
    secret = token.split("_", 2)[2]
    assert secret not in repr(keys.list())


def test_list_store_survives_restart_and_expires(db: Engine) -> None:
    from riskline.rules import ListEntry
    from riskline.storage import SqlListStore

    lists = SqlListStore(db)
    entry = ListEntry("block", "device", "d1", "case:7", T0, T0 + timedelta(days=30), "farm device")
    lists.add(entry)
    lists.add(ListEntry("watch", "person", "p1", "analyst:u1", T0))
    again = SqlListStore(db)
    assert again.get("block", "device", "d1") == entry
    assert again.contains("block", "device", "d1", T0 + timedelta(days=1))
    assert not again.contains("block", "device", "d1", T0 + timedelta(days=31))
    assert again.purge_expired(T0 + timedelta(days=31)) == 1
    assert SqlListStore(db).get("block", "device", "d1") is None
    assert again.remove("watch", "person", "p1") and not SqlListStore(db).get(
        "watch", "person", "p1"
    )
