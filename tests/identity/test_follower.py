"""The follower: one challenge per challenged decision, across restarts and re-scans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, update

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.errors import Conflict, NotFound
from riskline.events import parse_event
from riskline.identity import ChallengeFollower, ChallengeStatus, Check, SqlChallengeStore
from riskline.identity import tables as it
from riskline.runtime import Runtime, build_runtime
from riskline.storage.tables import metadata
from tests.conftest import SECRET
from tests.factories import T0
from tests.identity.conftest import NOW, takeover_events


def test_schema_matches_migration(db: Engine) -> None:
    assert it.challenges.name in metadata.tables
    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "stepup" in repr(d)] == []


@pytest.fixture
def rt(db_url: str) -> Iterator[Runtime]:
    settings = Settings(database_url=db_url, pii_secret=SECRET)
    runtime = build_runtime(settings, clock=FixedClock(NOW))
    yield runtime
    runtime.close()


def _ingest(rt: Runtime, events: list[dict[str, object]]) -> None:
    rt.ingestor.process([parse_event(e, rt.hasher) for e in events])


def test_creates_one_challenge_per_challenged_decision(rt: Runtime) -> None:
    _ingest(rt, takeover_events())
    store = SqlChallengeStore(rt.db)
    assert ChallengeFollower(store, batch=2).catch_up() == 1
    found = store.by_decision(rt.store.find_events(["a1-draw"])["a1-draw"].decision_id)
    assert (found.event_id, found.subject, found.person_id) == ("a1-draw", "a1", "p1")
    assert found.required == {Check.DEVICE, Check.FACE} and found.status is ChallengeStatus.PENDING
    assert found.expires_at == NOW + timedelta(minutes=30)
    assert store.cursor("stepup") == 6
    # a restart (a new follower) and a lost cursor (full re-scan) create nothing new
    assert ChallengeFollower(store).catch_up() == 0
    with rt.db.begin() as conn:
        conn.execute(update(it.cursors).values(seq=0))
    assert ChallengeFollower(store).catch_up() == 0
    assert len(store.for_subject("a1")) == 1 and store.cursor("stepup") == 6


def test_later_challenges_are_found_after_the_cursor(rt: Runtime) -> None:
    _ingest(rt, takeover_events())
    store = SqlChallengeStore(rt.db)
    follower = ChallengeFollower(store)
    assert follower.catch_up() == 1
    assert follower.catch_up() == 0
    _ingest(rt, takeover_events("a2", "p2", T0 + timedelta(minutes=10)))
    assert follower.catch_up() == 1
    assert [c.event_id for c in store.for_subject("a2")] == ["a2-draw"]
    assert [c.event_id for c in store.for_subject("a1")] == ["a1-draw"]


def test_saves_are_optimistic(rt: Runtime) -> None:
    _ingest(rt, takeover_events())
    store = SqlChallengeStore(rt.db)
    ChallengeFollower(store).catch_up()
    first = store.for_subject("a1")[0]
    saved = store.save(first, first.record(Check.FACE, True, NOW))
    assert saved.version == 2 and store.get(first.challenge_id).passed == {Check.FACE}
    with pytest.raises(Conflict):
        store.save(first, first.record(Check.DEVICE, False, NOW))
    with pytest.raises(NotFound):
        store.get("ch_missing")
