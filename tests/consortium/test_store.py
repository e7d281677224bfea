"""The node store on SQLite and PostgreSQL: round trips, publications, the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from riskline.consortium import (
    AuditRecord,
    DisputeState,
    Entry,
    NodeStore,
    Reason,
    StoredPublication,
)
from riskline.consortium import tables as tb
from riskline.consortium.migrate import upgrade
from riskline.errors import NotFound
from riskline.storage import connect
from tests.factories import T0


@pytest.fixture
def store(db_url: str) -> Iterator[NodeStore]:
    engine = connect(db_url)
    upgrade(engine)
    upgrade(engine)  # idempotent on every start
    yield NodeStore(engine)
    engine.dispose()


def _entry(i: int, **kw: object) -> Entry:
    base = {
        "entry_id": f"e{i}",
        "token": f"cph_{i:032x}",
        "reason": Reason.CASH_OUT,
        "source": "bank-b",
        "evidence": f"case:{i}",
        "filed_at": T0,
        "expires_at": T0 + timedelta(days=10),
    }
    return Entry(**{**base, **kw})  # type: ignore[arg-type]


def test_entries_round_trip_with_aware_times(store: NodeStore) -> None:
    e = _entry(1, dispute=DisputeState.UPHELD, case_id="c1")
    store.add_entries([e, _entry(2, dispute=DisputeState.OPEN)])
    assert store.get("e1") == e
    assert [x.entry_id for x in store.publishable(T0)] == ["e1"]
    assert store.publishable(T0 + timedelta(days=10)) == []
    with pytest.raises(NotFound):
        store.get("nope")


def test_a_new_publication_destroys_the_previous_key(store: NodeStore) -> None:
    def pub(key: bytes) -> StoredPublication:
        return StoredPublication(
            0,
            "blacklist",
            T0,
            T0 + timedelta(days=1),
            10,
            key,
            {"cash_out": b"setup-" + key},
            {"cash_out": 3},
        )

    v1 = store.save_publication(pub(b"k1"))
    v2 = store.save_publication(pub(b"k2"))
    assert store.latest_version("blacklist") == v2
    assert store.publication(v2).setups == {"cash_out": b"setup-k2"}
    assert store.publication(v2).counts == {"cash_out": 3}
    with pytest.raises(NotFound, match="superseded"):
        store.publication(v1)
    assert store.latest_version("applicants") is None


def test_applications_window_and_purge(store: NodeStore) -> None:
    store.record_applications(["t1", "t2", "t1"], T0)
    store.record_applications(["t2"], T0 + timedelta(days=20))
    assert sorted(store.recent_applications(T0 + timedelta(days=1))) == ["t2"]
    assert store.purge_applications(T0 + timedelta(days=1)) == 1
    assert sorted(store.recent_applications(T0 - timedelta(days=1))) == ["t2"]


def test_audit_log_is_a_verified_hash_chain(store: NodeStore) -> None:
    for i in range(3):
        store.append_audit(
            AuditRecord(T0 + timedelta(seconds=i), "bank-a", "query", "blacklist", 10 + i, 1, 200)
        )
    assert [r.batch_size for r in store.audit_log()] == [10, 11, 12]
    with store.engine.begin() as conn:
        conn.execute(update(tb.audit).where(tb.audit.c.batch_size == 11).values(batch_size=1))
    with pytest.raises(RuntimeError, match="audit log broken at record"):
        store.audit_log()
