"""Lists: a change made by one process reaches the others within a bounded time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from riskline.rules import ListEntry
from riskline.state import SharedState
from riskline.state.redis_lists import SharedListStore
from riskline.storage import SqlListStore
from tests.factories import T0

from .conftest import other_process

pytestmark = pytest.mark.redis


def _eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def pair(db: Engine, shared: SharedState) -> Iterator[tuple[SharedListStore, SharedListStore]]:
    """Two processes' list stores on one database and one namespace."""
    stores = (SharedListStore(db, shared), SharedListStore(db, other_process(shared)))
    try:
        for s in stores:
            assert s.wait_subscribed()
        yield stores
    finally:
        for s in stores:
            s.close()


def _entry(value: str) -> ListEntry:
    return ListEntry("block", "device", value, "analyst", T0, T0 + timedelta(days=30))


def test_add_and_remove_reach_the_other_process(
    pair: tuple[SharedListStore, SharedListStore],
) -> None:
    a, b = pair
    now = T0 + timedelta(hours=1)
    a.add(_entry("d1"), actor="alice")
    assert _eventually(lambda: b.contains("block", "device", "d1", now))
    assert b.get("block", "device", "d1") == a.get("block", "device", "d1")
    b.remove("block", "device", "d1", actor="bob")
    assert _eventually(lambda: not a.contains("block", "device", "d1", now))
    assert list(a.entries()) == list(b.entries()) == []


def test_messages_are_checked_against_the_database(
    pair: tuple[SharedListStore, SharedListStore], shared: SharedState
) -> None:
    """A message only says "look again": what counts is the row in SQL."""
    a, b = pair
    shared.client.publish(shared.key("lists"), json.dumps(["block", "device", "forged"]))
    a.add(_entry("real"))
    assert _eventually(lambda: b.get("block", "device", "real") is not None)
    assert b.get("block", "device", "forged") is None


def test_a_missed_message_is_caught_up_at_resync(db: Engine, shared: SharedState) -> None:
    reader = SharedListStore(db, other_process(shared), resync_seconds=0.5)
    try:
        assert reader.wait_subscribed()
        SqlListStore(db).add(_entry("silent"))  # written without a message (e.g. Redis down)
        assert reader.get("block", "device", "silent") is None
        assert _eventually(lambda: reader.get("block", "device", "silent") is not None, 5.0)
    finally:
        reader.close()


def test_a_new_process_starts_from_the_database(db: Engine, shared: SharedState) -> None:
    first = SharedListStore(db, shared)
    try:
        first.add(_entry("d9"))
        later = SharedListStore(db, other_process(shared))
        try:
            assert later.get("block", "device", "d9") == first.get("block", "device", "d9")
        finally:
            later.close()
    finally:
        first.close()
