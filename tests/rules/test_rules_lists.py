"""List store contract, run against every implementation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from riskline.errors import InvalidInput
from riskline.rules import EmptyLists, ListEntry, ListStore, MemoryListStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _sql_store() -> ListStore:
    import tempfile

    from riskline.storage import SqlListStore, connect, upgrade

    engine = connect(f"sqlite:///{tempfile.mkdtemp()}/lists.db")
    upgrade(engine)
    return SqlListStore(engine)


STORES: list[Callable[[], ListStore]] = [MemoryListStore, _sql_store]


@pytest.fixture(params=STORES, ids=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> ListStore:
    factory: Callable[[], ListStore] = request.param
    return factory()


def entry(list_name: str = "block", value: str = "d1", ttl: timedelta | None = None) -> ListEntry:
    expires = T0 + ttl if ttl is not None else None
    return ListEntry(list_name, "device", value, "case:1", T0, expires_at=expires)


def test_ttl_bounds_are_half_open(store: ListStore) -> None:
    store.add(entry(ttl=timedelta(days=1)))
    assert not store.contains("block", "device", "d1", T0 - timedelta(seconds=1))
    assert store.contains("block", "device", "d1", T0)
    assert store.contains("block", "device", "d1", T0 + timedelta(hours=23, minutes=59))
    assert not store.contains("block", "device", "d1", T0 + timedelta(days=1))


def test_lists_and_kinds_are_separate(store: ListStore) -> None:
    store.add(entry("watch"))
    assert store.contains("watch", "device", "d1", T0)
    assert not store.contains("block", "device", "d1", T0)
    assert not store.contains("watch", "account", "d1", T0)


def test_add_replaces_remove_and_get(store: ListStore) -> None:
    store.add(entry(ttl=timedelta(hours=1)))
    store.add(entry())
    got = store.get("block", "device", "d1")
    assert got is not None
    assert got.expires_at is None
    assert store.remove("block", "device", "d1") is True
    assert store.remove("block", "device", "d1") is False
    assert store.get("block", "device", "d1") is None


def test_purge_expired_and_entries(store: ListStore) -> None:
    store.add(entry(value="old", ttl=timedelta(hours=1)))
    store.add(entry(value="new", ttl=timedelta(days=9)))
    store.add(entry("allow", value="forever"))
    assert store.purge_expired(T0 + timedelta(days=1)) == 1
    assert sorted(e.value for e in store.entries()) == ["forever", "new"]
    assert [e.value for e in store.entries("allow")] == ["forever"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"list_name": "grey"}, "unknown list"),
        ({"kind": ""}, "entity kind"),
        ({"expires_at": T0}, "expire after"),
        ({"added_at": T0.replace(tzinfo=None)}, "timezone-aware"),
    ],
)
def test_bad_entries_are_rejected(kwargs: dict[str, object], fragment: str) -> None:
    base: dict[str, object] = {
        "list_name": "block",
        "kind": "device",
        "value": "d1",
        "source": "s",
        "added_at": T0,
    }
    with pytest.raises(InvalidInput, match=fragment):
        ListEntry(**{**base, **kwargs})  # type: ignore[arg-type]


def test_empty_lists_never_contain() -> None:
    assert EmptyLists().contains("block", "device", "d1", T0) is False
